import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import type { Logger } from '../../app/logger.js';
import type { Prices } from '../../config.js';
import type { BriefExpansion, FitScore } from '../../domain/job.js';
import type { Profile } from '../../domain/profile.js';
import { ProviderError } from '../../errors.js';
import { attemptSignal } from '../http/abort.js';
import { parseRetryAfter } from '../http/backoff.js';
import type { CircuitBreaker } from '../http/circuit-breaker.js';
import { isRetryableStatus, withRetry } from '../http/retry.js';
import type { FailureInfo, RetryPolicy } from '../http/retry.js';
import type { CallContext, Ledger } from '../ledger.js';
import { expandBriefText } from './heuristic-expand.js';
import type { Llm, ScoringBrief } from './llm.js';
import { getNiche } from './niche-lexicon.js';
import { creatorRecord, expansionMessages, scoringMessages } from './openai.prompts.js';
import type { ChatMessage } from './openai.prompts.js';
import { mergeAudience } from './product-audience.js';
import {
  BRIEF_EXPANSION_NAME,
  FIT_SCORES_NAME,
  briefExpansionAnswer,
  briefExpansionJsonSchema,
  fitScoresAnswer,
  fitScoresJsonSchema,
  toBreakdown,
  toBriefExpansion,
} from './openai.schemas.js';

export interface OpenAiLlmOptions {
  baseUrl: string;
  /** local servers (Ollama, vLLM without --api-key) ignore it, but the SDK wants one */
  apiKey?: string;
  model: string;
  /** per attempt */
  timeoutMs: number;
  /** transport retries (429, 5xx, timeouts, network); an invalid or refused answer is retried once on top */
  retry: RetryPolicy;
  breaker?: CircuitBreaker;
  prices: Prices;
  logger?: Logger;
}

/** A 200 answer we cannot use: not JSON, not the schema, refused, truncated. Its tokens were billed. */
export class InvalidAnswerError extends Error {
  constructor(
    message: string,
    readonly usage: Usage,
  ) {
    super(message);
    this.name = 'InvalidAnswerError';
  }
}

interface Usage {
  promptTokens: number;
  completionTokens: number;
}

const CONTENT_ATTEMPTS = 2;

/**
 * Any OpenAI-compatible chat-completions server with strict json_schema structured outputs.
 * The SDK's own retries are off: one policy (ours) for every provider. An answer that is invalid or
 * refused is asked for once more; if that fails too, or the server cannot be reached, the rule-based
 * `fallback` answers instead and its results are flagged, so a job still completes.
 */
export class OpenAiLlm implements Llm {
  readonly name: string;
  private readonly client: OpenAI;

  constructor(
    private readonly opts: OpenAiLlmOptions,
    private readonly ledger: Ledger,
    private readonly fallback: Llm,
  ) {
    this.name = `openai:${opts.model}`;
    this.client = new OpenAI({
      baseURL: opts.baseUrl,
      apiKey: opts.apiKey ?? 'unused',
      maxRetries: 0,
      // our per-attempt signal enforces the timeout; this is only a backstop
      timeout: opts.timeoutMs + 5_000,
    });
  }

  async expandBrief(brief: string, ctx: CallContext): Promise<BriefExpansion> {
    try {
      const answer = await this.structured(ctx, 'expand', BRIEF_EXPANSION_NAME, briefExpansionJsonSchema, expansionMessages(brief), briefExpansionAnswer, () => null);
      return withBriefReading(toBriefExpansion(answer, brief), brief);
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      this.opts.logger?.warn({ err: errMessage(err), jobId: ctx.jobId }, 'LLM brief expansion failed; using the rule-based expansion');
      return { ...(await this.fallback.expandBrief(brief, ctx)), fallback: true };
    }
  }

  async scoreFit(brief: ScoringBrief, profiles: Profile[], ctx: CallContext): Promise<FitScore[]> {
    if (profiles.length === 0) return [];
    // Short positional ids keep the answer small and leave nothing in it a scraped handle could spoof.
    const ids = profiles.map((_, i) => `c${i + 1}`);
    const messages = scoringMessages(brief, profiles.map((p, i) => creatorRecord(ids[i]!, p)));
    try {
      const answer = await this.structured(ctx, 'score', FIT_SCORES_NAME, fitScoresJsonSchema, messages, fitScoresAnswer, (a) => {
        const seen = new Set<string>();
        for (const s of a.scores) {
          if (seen.has(s.id)) return `creator id ${s.id} scored twice`;
          seen.add(s.id);
        }
        const missing = ids.filter((id) => !seen.has(id));
        return missing.length > 0 ? `no score for ${missing.length} of ${ids.length} creators (${missing.slice(0, 5).join(', ')})` : null;
      });
      const byId = new Map(answer.scores.map((s) => [s.id, s]));
      return profiles.map((p, i) => {
        const s = byId.get(ids[i]!)!;
        const { breakdown, score } = toBreakdown(s.breakdown);
        return {
          key: p.key,
          score,
          breakdown,
          rationale: s.rationale.trim().slice(0, 500),
          matchedTopics: [...new Set(s.matched_topics.map((t) => t.trim().toLowerCase()).filter(Boolean))].slice(0, 20),
        };
      });
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      this.opts.logger?.warn(
        { err: errMessage(err), jobId: ctx.jobId, profiles: profiles.length },
        'LLM scoring failed; this batch uses the rule-based scorer',
      );
      const scores = await this.fallback.scoreFit(brief, profiles, ctx);
      return scores.map((s) => ({ ...s, fallback: true }));
    }
  }

  /** One structured answer: transport retries inside, one more request for an unusable answer. */
  private async structured<S extends z.ZodType>(
    ctx: CallContext,
    operation: string,
    schemaName: string,
    jsonSchema: object,
    messages: ChatMessage[],
    answerSchema: S,
    check: (answer: z.infer<S>) => string | null,
  ): Promise<z.infer<S>> {
    let lastInvalid: InvalidAnswerError | null = null;
    for (let attempt = 1; attempt <= CONTENT_ATTEMPTS; attempt++) {
      try {
        return await withRetry(
          () =>
            this.ledger.track(
              ctx,
              'llm',
              operation,
              async () => {
                const completion = await this.complete(schemaName, jsonSchema, messages, ctx.signal);
                const usage = usageOf(completion);
                const answer = readAnswer(completion, answerSchema, check, usage);
                return { result: answer, units: units(usage), costUsd: this.cost(usage), httpStatus: 200 };
              },
              (err) => (err instanceof InvalidAnswerError ? { units: units(err.usage), costUsd: this.cost(err.usage), httpStatus: 200 } : {}),
            ),
          { ...this.opts.retry, service: 'llm', operation, signal: ctx.signal, breaker: this.opts.breaker, classify: classifyOpenAiFailure },
        );
      } catch (err) {
        const invalid = err instanceof ProviderError && err.cause instanceof InvalidAnswerError ? err.cause : null;
        if (!invalid) throw err;
        lastInvalid = invalid;
      }
    }
    throw new ProviderError('llm', operation, `unusable answer twice: ${lastInvalid!.message}`, { retryable: false, cause: lastInvalid });
  }

  private async complete(name: string, schema: object, messages: ChatMessage[], parent?: AbortSignal): Promise<ChatCompletion> {
    return this.client.chat.completions.create(
      {
        model: this.opts.model,
        messages,
        temperature: 0,
        response_format: { type: 'json_schema', json_schema: { name, schema: schema as Record<string, unknown>, strict: true } },
      },
      { signal: attemptSignal(this.opts.timeoutMs, parent) },
    );
  }

  private cost(u: Usage): number {
    const p = this.opts.prices;
    return (u.promptTokens * p.llmPromptPer1M + u.completionTokens * p.llmCompletionPer1M) / 1_000_000;
  }
}

function usageOf(c: ChatCompletion): Usage {
  return { promptTokens: c.usage?.prompt_tokens ?? 0, completionTokens: c.usage?.completion_tokens ?? 0 };
}

const units = (u: Usage) => ({ prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens });

function readAnswer<S extends z.ZodType>(
  completion: ChatCompletion,
  schema: S,
  check: (answer: z.infer<S>) => string | null,
  usage: Usage,
): z.infer<S> {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  if (!message) throw new InvalidAnswerError('answer has no message', usage);
  if (message.refusal) throw new InvalidAnswerError(`model refused: ${message.refusal.slice(0, 200)}`, usage);
  if (choice.finish_reason === 'length') throw new InvalidAnswerError('answer was cut off (max tokens)', usage);
  if (typeof message.content !== 'string' || message.content.trim() === '') throw new InvalidAnswerError('answer is empty', usage);
  let json: unknown;
  try {
    json = JSON.parse(message.content);
  } catch {
    throw new InvalidAnswerError(`answer is not JSON: ${message.content.slice(0, 120)}`, usage);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidAnswerError(`answer does not match the schema: ${issue?.path.join('.')} ${issue?.message}`, usage);
  }
  const problem = check(parsed.data);
  if (problem) throw new InvalidAnswerError(problem, usage);
  return parsed.data;
}

/** Retry classification for the SDK's errors (its own retries are disabled). */
export function classifyOpenAiFailure(err: unknown): FailureInfo {
  if (err instanceof InvalidAnswerError) return { retryable: false, unhealthy: false, status: 200, label: 'invalid answer' };
  // The caller's abort is handled by withRetry before classification, so an abort here is our timeout.
  if (err instanceof APIUserAbortError || err instanceof APIConnectionTimeoutError) {
    return { retryable: true, unhealthy: true, label: 'timeout' };
  }
  if (err instanceof APIConnectionError) return { retryable: true, unhealthy: true, label: 'network error' };
  if (err instanceof APIError && typeof err.status === 'number') {
    const ms = err.headers?.get('retry-after-ms');
    const retryAfterMs = ms && /^\d+$/.test(ms) ? Number(ms) : parseRetryAfter(err.headers?.get('retry-after'));
    return {
      retryable: isRetryableStatus(err.status),
      unhealthy: err.status === 429 || err.status >= 500,
      status: err.status,
      retryAfterMs,
      label: `HTTP ${err.status}`,
    };
  }
  return { retryable: false, unhealthy: false, label: err instanceof Error ? err.name : 'error' };
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The LLM's expansion with the rule-based reading of the brief merged in: the audience weights the
 * LLM gave (or, when it gave none, its niches weighted by their order) stand for the niches it names;
 * the product map's audience adds the niches it left out; what the brief rules out or can only softly
 * honour is read the same way as without an LLM.
 */
export function withBriefReading(e: BriefExpansion, brief: string): BriefExpansion {
  const rules = expandBriefText(brief);
  const known = (n: string) => getNiche(n) !== undefined;
  const llmAudience =
    e.audience && e.audience.some((a) => known(a.niche))
      ? e.audience.filter((a) => known(a.niche))
      : e.niches.filter(known).map((niche, i) => ({ niche, weight: Math.max(0.4, 1 - 0.3 * i) }));
  const named = new Set(llmAudience.map((a) => a.niche));
  const ruled = new Set(rules.exclusions?.niches ?? []);
  const added = (rules.audience ?? []).filter((a) => !named.has(a.niche));
  const audience = mergeAudience(llmAudience, added).filter((a) => !ruled.has(a.niche)).slice(0, 4);
  const out: BriefExpansion = { ...e, audience };
  if (rules.exclusions) out.exclusions = rules.exclusions;
  if (rules.preferences) out.preferences = rules.preferences;
  if (rules.notes) out.notes = rules.notes;
  return out;
}
