import type { BriefExpansion } from '../../domain/job.js';
import { inferFilters } from './brief-filters.js';
import { detectNiches } from './niche-lexicon.js';
import { briefStopWords, foldText, stem, term, textView } from './text-features.js';

const MAX_NICHES = 4;
const MAX_TOPICS = 12;
const MAX_QUERIES = 5;
const QUERY_WORDS = 8;

/**
 * Rule-based reading of a brief: the niches it names (through the lexicon), its topic words, the
 * hard filters it states, and a handful of search queries — the brief condensed to its topic words,
 * one query per niche (its name, the brief's words for it, its characteristic terms) and, when the
 * brief spans niches, one that combines them. Deterministic: the same brief gives the same expansion.
 */
export function expandBriefText(brief: string): BriefExpansion {
  const { filters, consumed } = inferFilters(brief);
  const view = textView(brief);
  const detected = detectNiches(view).slice(0, MAX_NICHES);
  const niches = detected.map((d) => d.evidence.niche.id);

  const words = contentWords(brief, consumed);
  const phrases = detected.flatMap((d) => [...d.evidence.names, ...d.evidence.terms]).filter((p) => /\s/.test(p));
  const topics = uniqueBy([...phrases.map(foldText), ...words], stemKey).slice(0, MAX_TOPICS);

  const queries: string[] = [];
  const condensed = words.slice(0, 16).join(' ');
  queries.push(condensed.length > 0 ? condensed : foldText(brief).replace(/\s+/g, ' ').trim().slice(0, 200));
  for (const d of detected.slice(0, 3)) {
    const own = [...d.evidence.names, ...d.evidence.terms].map(foldText);
    queries.push(queryOf([d.evidence.niche.id, ...own, ...d.evidence.niche.queryTerms]));
  }
  if (detected.length >= 2) queries.push(queryOf([...niches.slice(0, 3), ...topics.slice(0, 4)]));
  return { queries: uniqueBy(queries, (q) => q).slice(0, MAX_QUERIES), niches, topics, filters };
}

/** Space-joined distinct words (phrases split), at most QUERY_WORDS. */
function queryOf(parts: string[]): string {
  return uniqueBy(parts.flatMap((p) => p.split(/\s+/)).filter(Boolean), stemKey).slice(0, QUERY_WORDS).join(' ');
}

/** The brief's words that carry topic: no grammar, no marketing words, no numbers, nothing a filter used. */
function contentWords(brief: string, consumed: Set<string>): string[] {
  const out: string[] = [];
  for (const raw of foldText(brief).split(/[^\p{L}\p{N}']+/u)) {
    const w = raw.replace(/^'+|'+$/g, '');
    if (w.length < 2 || /^\d/.test(w)) continue;
    const s = stem(w);
    if (briefStopWords.has(s) || consumed.has(s) || consumed.has(w)) continue;
    out.push(w);
  }
  return uniqueBy(out, stemKey);
}

function stemKey(s: string): string {
  return term(s).key;
}

function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const x of xs) {
    const k = key(x);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(x);
  }
  return out;
}
