import type { HardFilters } from '../../domain/creator.js';
import { scoreParts } from '../../domain/job.js';
import type { FitScore, ScoreBreakdown } from '../../domain/job.js';
import type { Profile } from '../../domain/profile.js';
import { followerTier, tierOfBand } from '../../domain/follower-tiers.js';
import type { FollowerTierName } from '../../domain/follower-tiers.js';
import type { ScoringBrief } from './llm.js';
import { detectNiches, getNiche, nicheEvidence, niches, segmentTag } from './niche-lexicon.js';
import type { Niche, NicheEvidence } from './niche-lexicon.js';
import { briefStopWords, hasPrefix, isFunctionWord, matches, term, textView } from './text-features.js';
import type { Term, TextView } from './text-features.js';

/**
 * Rule-based fit scoring: 0–100 from weighted evidence, with a rationale that names the evidence.
 *
 * The score is the sum of its breakdown (docs/api.md): relevance — how much the creator is about the
 * brief's audience niches (weighted: a protein-powder brief wants fitness first, food second) and
 * which of the brief's own words its posts use — carries 80 points; audience fit (size band, filters),
 * engagement against the median of the creator's size tier and data freshness carry 20, scaled by
 * relevance so that a popular creator off-topic still scores low. A violated hard filter (fresh data
 * can disagree with the index) costs a quarter of the score.
 */

/** Median engagement rate by follower tier (measured on the Kim Instagram data: 4.1 %, 2.9 %, 2.5 %, 2.5 %, 2.4 %). */
const MEDIAN_ENGAGEMENT: Record<FollowerTierName, number> = { nano: 0.04, micro: 0.029, 'mid-tier': 0.025, macro: 0.025, mega: 0.024 };

export function formatCount(n: number): string {
  if (n >= 1_000_000) return `${trim(n / 1_000_000)}M`;
  if (n >= 1_000) return `${trim(n / 1_000)}k`;
  return String(n);
}

const trim = (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1).replace(/\.0$/, ''));
const clamp = (x: number, lo = 0, hi = 1) => Math.min(hi, Math.max(lo, x));
const saturate = (hits: number, scale: number) => 1 - Math.exp(-hits / scale);

/** One niche the brief wants, with its weight (1 = primary audience). */
export interface WantedNiche {
  niche: Niche;
  weight: number;
}

/** What the scorer looks for, computed once per brief. */
export interface PreparedBrief {
  /** audience niches, strongest first */
  audience: WantedNiche[];
  /** brief words that are not niche names, e.g. "protein", "vegan" */
  topics: Term[];
  /** soft preferences from modifiers ("men's" → menswear), counted as topic evidence */
  preferences: Term[];
  excludedNiches: Niche[];
  excludedTerms: Term[];
  filters: HardFilters;
}

const FALLBACK_WEIGHTS = [1, 0.6, 0.5, 0.4];

export function prepareBrief(brief: ScoringBrief): PreparedBrief {
  const e = brief.expansion;
  const fromAudience = (e.audience ?? [])
    .map((a) => ({ niche: getNiche(a.niche.toLowerCase()), weight: clamp(a.weight) }))
    .filter((a): a is WantedNiche => a.niche !== undefined && a.weight > 0);
  const known = e.niches.map((n) => getNiche(n.toLowerCase())).filter((n): n is Niche => n !== undefined);
  // An LLM may name niches in its own words; read those (or the brief itself) through the lexicon.
  const listed =
    known.length > 0
      ? known
      : detectNiches(textView([...e.niches, ...e.topics, brief.brief].join(' , '))).map((d) => d.evidence.niche);
  const audience: WantedNiche[] =
    fromAudience.length > 0 ? fromAudience : listed.map((niche, i) => ({ niche, weight: FALLBACK_WEIGHTS[i] ?? 0.4 }));
  audience.sort((a, b) => b.weight - a.weight);
  // A niche's own label is no topic ("fitness" creators), but the narrower names a brief uses are:
  // a skincare brief prefers skincare creators to makeup artists, both of them beauty.
  const labelKeys = new Set(audience.map((a) => term(a.niche.id).key));
  const topics = distinctTerms(e.topics).filter((t) => !labelKeys.has(t.key));
  const excludedNiches = (e.exclusions?.niches ?? [])
    .map((n) => getNiche(n))
    .filter((n): n is Niche => n !== undefined && !audience.some((a) => a.niche === n));
  return {
    audience: audience.slice(0, 4),
    topics: topics.slice(0, 12),
    preferences: distinctTerms(e.preferences ?? []),
    excludedNiches,
    excludedTerms: distinctTerms(e.exclusions?.terms ?? []),
    filters: brief.filters,
  };
}

function distinctTerms(words: string[]): Term[] {
  const out: Term[] = [];
  const seen = new Set<string>();
  for (const raw of words) {
    const t = term(raw);
    if (t.key.length < 2 || briefStopWords.has(t.key) || seen.has(t.key)) continue;
    seen.add(t.key);
    out.push(t);
  }
  return out;
}

interface ProfileText {
  view: TextView;
  /** the creator's handle and display name: how it presents itself */
  identityView: TextView;
  categoryView: TextView;
  categories: string[];
}

/**
 * Evidence for a niche in distinct concepts: spellings of one word ("travel", "traveling",
 * "traveller", "travelgram") count once, so a creator who mentions travel in one caption is not
 * taken for a travel creator. Compound-hashtag prefixes add half a word each, at most 1.5.
 */
function hitsOf(ev: NicheEvidence): number {
  const concepts = new Set([...ev.names, ...ev.terms].map((w) => conceptKey(w)));
  return concepts.size + 0.5 * Math.min(ev.prefixHits, 3);
}

/** The first five letters of a word: spellings and inflections of one word share them. */
const conceptKey = (w: string) => term(w).key.replace(/\s+/g, '').slice(0, 5);

function hasCategory(niche: Niche, text: ProfileText): boolean {
  if (text.categories.includes(niche.id)) return true;
  const cat = nicheEvidence(text.categoryView, niche);
  return cat.names.length > 0 || cat.prefixHits > 0;
}

/** What a creator's own text (and inferred niches, when the index has them) says about every niche. */
interface NicheProfile {
  evidence: Map<Niche, { ev: NicheEvidence; hits: number; category: boolean; identity: boolean }>;
  /** the niche with the most evidence, and its hits */
  top: { niche: Niche | null; hits: number };
  /** inferred niche probabilities (Creator.niches), when present */
  inferred: Map<string, number> | null;
}

/**
 * A category label counts as 3 words; a niche the creator names itself by ("beautybyjulia", "Fit Mom
 * Anna") as 2: how an account presents itself says more than a word in one caption. Measured
 * label-blind on the Kim index, a niche named in the handle or name is more common among the right
 * creators than any single caption word (per-brief AUC 0.61).
 */
const CATEGORY_HITS = 3;
const IDENTITY_HITS = 2;

/**
 * Whether the handle or name holds one of the niche's words the creator's text was found to use
 * (the handle and name are part of that text) or a compound prefix ("beautybyjulia"). Checking only
 * the words found keeps this to a few look-ups per niche.
 */
function namesItself(identity: TextView, niche: Niche, ev: NicheEvidence): boolean {
  return [...ev.names, ...ev.terms].some((w) => matches(identity, term(w))) || niche.stems.some((p) => hasPrefix(identity, p));
}

function nicheProfile(p: Profile, text: ProfileText): NicheProfile {
  const evidence: NicheProfile['evidence'] = new Map();
  let top: NicheProfile['top'] = { niche: null, hits: 0 };
  for (const n of niches) {
    const ev = nicheEvidence(text.view, n);
    const category = hasCategory(n, text);
    const identity = namesItself(text.identityView, n, ev);
    const hits = hitsOf(ev) + (category ? CATEGORY_HITS : 0) + (identity ? IDENTITY_HITS : 0);
    evidence.set(n, { ev, hits, category, identity });
    if (hits > top.hits) top = { niche: n, hits };
  }
  const inferred = p.niches && p.niches.length > 0 ? new Map(p.niches.map((s) => [s.niche, clamp(s.p)])) : null;
  return { evidence, top, inferred };
}

/**
 * How much a creator is about one niche, 0–1: evidence for it (saturating) times its share of the
 * creator's strongest evidence — a fashion blogger who sometimes travels is less of a travel creator
 * than one who mostly does. Inferred niche probabilities, when the index has them, count a fifth.
 */
/**
 * The share of inferred niche probabilities (Creator.niches) in a niche's value. Measured label-blind
 * on the Kim index with the import-time classifier: 0.5 cost 0.014 P@25 over lexical evidence alone,
 * 0.15 was neutral, so they refine rather than override what the creator's own words say.
 */
const INFERRED_WEIGHT = 0.2;
/**
 * Distinct concepts at which niche evidence reaches 63 %. Slow enough that among creators who all
 * post about a niche, the one with more distinct evidence still ranks higher (2.5 saturated by
 * about 7 concepts and left engagement to order the strong creators; with NICHE_SHARE 0.9, 2.5 → 5 lifted NL P@25 0.81 → 0.83).
 */
const EVIDENCE_SCALE = 5;

function nicheFocus(np: NicheProfile, niche: Niche): { value: number; hits: number; category: boolean } {
  const e = np.evidence.get(niche)!;
  const focus = e.hits === 0 ? 0 : e.hits / Math.max(e.hits, np.top.hits);
  const lexical = e.category ? 0.7 + 0.3 * focus : saturate(e.hits, EVIDENCE_SCALE) * focus;
  const value = np.inferred ? (1 - INFERRED_WEIGHT) * lexical + INFERRED_WEIGHT * (np.inferred.get(niche.id) ?? 0) : lexical;
  return { value, hits: e.hits, category: e.category };
}

type Check = 'met' | 'unknown' | 'violated';

function checkFilters(p: Profile, f: HardFilters): { checks: Check[]; notes: string[] } {
  const checks: Check[] = [];
  const notes: string[] = [];
  const inList = (value: string | null, list: string[] | undefined, what: string) => {
    if (!list || list.length === 0) return;
    if (value === null) {
      checks.push('unknown');
      notes.push(`${what} unknown`);
    } else if (list.map((x) => x.toLowerCase()).includes(value.toLowerCase())) checks.push('met');
    else {
      checks.push('violated');
      notes.push(`${value}, outside the requested ${list.join('/')}`);
    }
  };
  inList(p.platform, f.platforms, 'platform');
  inList(p.country, f.countries, 'country');
  inList(p.language, f.languages, 'language');
  if (f.minEngagementRate !== undefined) {
    if (p.engagementRate === null) checks.push('unknown');
    else checks.push(p.engagementRate >= f.minEngagementRate ? 'met' : 'violated');
  }
  if (f.followersMin !== undefined || f.followersMax !== undefined) {
    if (p.followers === null) checks.push('unknown');
    else {
      const ok = (f.followersMin === undefined || p.followers >= f.followersMin) && (f.followersMax === undefined || p.followers <= f.followersMax);
      checks.push(ok ? 'met' : 'violated');
    }
  }
  return { checks, notes };
}

function engagement(p: Profile): { value: number; note: string } {
  if (p.engagementRate === null || p.followers === null || p.followers <= 0) {
    return { value: 0.4, note: 'engagement unknown' };
  }
  const er = p.engagementRate;
  const pct = `${(er * 100).toFixed(1)}% engagement`;
  // Rates this high are nearly always bought likes or bad data.
  if (er > 0.5) return { value: 0.3, note: `${pct}, implausibly high` };
  const ratio = er / MEDIAN_ENGAGEMENT[followerTier(p.followers).name];
  const value = er <= 0 ? 0 : clamp(0.5 + 0.3 * Math.log2(ratio));
  const label = ratio >= 1.25 ? 'above median' : ratio >= 0.8 ? 'near median' : 'below median';
  return { value, note: `${pct}, ${label}` };
}

function audience(p: Profile, f: HardFilters): { value: number; note: string } {
  if (p.followers === null) return { value: 0.4, note: 'follower count unknown' };
  const count = `${formatCount(p.followers)} followers`;
  const tier = followerTier(p.followers).name;
  const lo = f.followersMin;
  const hi = f.followersMax;
  if (lo === undefined && hi === undefined) return { value: 0.6, note: `${count} (${tier})` };
  const band = hi === undefined ? `${formatCount(lo!)}+` : `${formatCount(lo ?? 0)}–${formatCount(hi)}`;
  if ((lo === undefined || p.followers >= lo) && (hi === undefined || p.followers <= hi)) {
    return { value: 1, note: `${count} in the ${tierOfBand(lo, hi)?.name ?? band} band` };
  }
  const bound = lo !== undefined && p.followers < lo ? lo : hi!;
  const distance = Math.abs(Math.log10(Math.max(p.followers, 1) / Math.max(bound, 1)));
  const side = p.followers < bound ? 'below' : 'above';
  return { value: clamp(1 - 1.2 * distance), note: `${count}, ${side} the wanted ${band}` };
}

/**
 * Points of a fit score. Relevance (niche and topic evidence) carries RELEVANCE_POINTS; the quality
 * parts (audience fit, engagement, freshness) carry the rest and are scaled by relevance, so a
 * popular creator off-topic still scores low. Documented in docs/api.md.
 */
const RELEVANCE_POINTS = 80;
/**
 * With audience niches, the niche part's share of relevance; topic evidence (the brief's own words)
 * has the rest, as a refinement. Measured label-blind on the Kim index, the brief's own words are no
 * sign of the right creator on their own (per-brief AUC 0.49: "routine", "reviews", "sessions" are
 * posted by lifestyle accounts as much as by niche creators); the words that matter are niche
 * evidence already. 0.75 → 0.9 lifted NL P@25 by 0.02 (docs/quality.md).
 */
const NICHE_SHARE = 0.9;
/** a brief without any niche is matched on its words alone, and can reach at most this much relevance */
const TOPIC_ONLY_CAP = 0.6;
const QUALITY_POINTS = { audience: 8, engagement: 9, freshness: 3 } as const;

function freshness(p: Profile): { value: number; note: string | null } {
  const dates = p.recentPosts.map((r) => (r.postedAt ? Date.parse(r.postedAt) : Number.NaN)).filter((t) => Number.isFinite(t));
  if (dates.length > 0) {
    const days = (Date.parse(p.fetchedAt) - Math.max(...dates)) / 86_400_000;
    const value = days <= 30 ? 1 : days <= 90 ? 0.7 : days <= 365 ? 0.4 : 0.1;
    return { value, note: days > 90 ? `last post ${Math.round(days)} days ago` : null };
  }
  if (p.stale) return { value: 0.3, note: `profile data observed ${Math.round((Date.now() - Date.parse(p.observedAt)) / 86_400_000)} days ago` };
  return { value: p.dataSource === 'index' ? 0.5 : 0.8, note: null };
}

/**
 * Whole points that add up to the rounded total: each part rounded down, the remainder given to the
 * parts with the largest fractions (largest-remainder rounding).
 */
export function roundParts(parts: ScoreBreakdown): ScoreBreakdown {
  const keys = scoreParts;
  const total = Math.round(clamp(keys.reduce((s, k) => s + parts[k], 0), 0, 100));
  const out = { ...parts };
  for (const k of keys) out[k] = Math.floor(Math.max(0, parts[k]));
  let left = total - keys.reduce((s, k) => s + out[k], 0);
  const byFraction = [...keys].sort((a, b) => parts[b] - Math.floor(parts[b]) - (parts[a] - Math.floor(parts[a])));
  for (let i = 0; left > 0; i = (i + 1) % keys.length, left--) out[byFraction[i]!]++;
  for (let i = keys.length - 1; left < 0; i = (i + keys.length - 1) % keys.length) {
    const k = byFraction[i]!;
    if (out[k] > 0) {
      out[k]--;
      left++;
    }
  }
  return out;
}

/** Scores one profile against a prepared brief. Pure and deterministic. */
export function scoreProfile(b: PreparedBrief, p: Profile): FitScore {
  const posts = p.recentPosts.map((r) => r.caption).join('\n');
  const view = textView([p.displayName ?? '', p.handle, p.categories.join(' , '), p.topics.join(' '), p.bio, posts].join('\n'), segmentTag);
  const identityView = textView([p.displayName ?? '', p.handle.replace(/[._\d]+/g, ' ')].join('\n'), segmentTag);
  const text: ProfileText = { view, identityView, categoryView: textView(p.categories.join(' , ')), categories: p.categories.map((c) => c.toLowerCase()) };
  const np = nicheProfile(p, text);

  // niche relevance: the best wanted niche, weighted by how much the brief wants it
  const fits = b.audience
    .map((a) => ({ ...a, ...nicheFocus(np, a.niche) }))
    .sort((x, y) => y.weight * y.value - x.weight * x.value);
  let nicheRel = fits.length === 0 ? 0 : clamp(fits[0]!.weight * fits[0]!.value + 0.1 * (fits[1] ? fits[1].weight * fits[1].value : 0));
  // a creator mostly about what the brief rules out drops
  const ruledOut = b.excludedNiches
    .map((n) => ({ niche: n, focus: np.top.hits > 0 ? np.evidence.get(n)!.hits / np.top.hits : 0 }))
    .filter((x) => np.evidence.get(x.niche)!.hits >= 2 && x.focus >= 0.5)
    .sort((x, y) => y.focus - x.focus)[0];
  if (ruledOut) nicheRel *= 1 - 0.6 * ruledOut.focus;
  const excludedHits = b.excludedTerms.filter((t) => matches(view, t));
  if (excludedHits.length > 0) nicheRel *= 0.85;

  const found = (t: Term) => matches(view, t) || (t.kind === 'token' && t.key.length >= 4 && hasPrefix(view, t.key));
  const topicHits = b.topics.filter(found);
  const preferenceHits = b.preferences.filter(found);
  let topicScore = saturate(topicHits.length + preferenceHits.length, 1.5);
  if (excludedHits.length > 0) topicScore *= 0.5;

  const hasAudience = b.audience.length > 0;
  const nicheRelevance = hasAudience ? NICHE_SHARE * nicheRel : 0;
  const topicRelevance = hasAudience ? (1 - NICHE_SHARE) * topicScore : TOPIC_ONLY_CAP * topicScore;
  const relevance = nicheRelevance + topicRelevance;

  const eng = engagement(p);
  const aud = audience(p, b.filters);
  const fresh = freshness(p);
  const { checks, notes } = checkFilters(p, b.filters);
  const filterValue = checks.length === 0 ? 1 : checks.reduce((s, c) => s + (c === 'met' ? 1 : c === 'unknown' ? 0.5 : 0), 0) / checks.length;
  const gate = 0.3 + 0.7 * relevance;
  const violated = checks.includes('violated');
  const penalty = violated ? 0.75 : 1;
  const breakdown = roundParts({
    niche: RELEVANCE_POINTS * nicheRelevance * penalty,
    topics: RELEVANCE_POINTS * topicRelevance * penalty,
    audience: QUALITY_POINTS.audience * (0.6 * aud.value + 0.4 * filterValue) * gate * penalty,
    engagement: QUALITY_POINTS.engagement * eng.value * gate * penalty,
    freshness: QUALITY_POINTS.freshness * fresh.value * gate * penalty,
  });
  const score = scoreParts.reduce((s, k) => s + breakdown[k], 0);

  // the creator's own words: the wanted niches' words it uses, then the brief's topics it mentions
  const nicheWords = fits.filter((f) => f.value > 0).flatMap((f) => {
    const ev = np.evidence.get(f.niche)!.ev;
    return [...ev.names, ...ev.terms];
  });
  const evidenceWords = unique([...topicHits.map((t) => t.display), ...preferenceHits.map((t) => t.display), ...nicheWords]).filter(
    (w) => !isFunctionWord(term(w).key),
  );
  const withEvidence = fits.filter((f) => f.hits > 0);
  const matchedTopics = unique([...withEvidence.filter((f) => f.category).map((f) => f.niche.id), ...evidenceWords]).slice(0, 8);

  const parts: string[] = [];
  if (evidenceWords.length > 0) {
    const labels = withEvidence.filter((f) => np.evidence.get(f.niche)!.ev.names.length + np.evidence.get(f.niche)!.ev.terms.length > 0).map((f) => f.niche.id);
    parts.push(`Posts about ${evidenceWords.slice(0, 5).map((w) => `"${w}"`).join(', ')}${labels.length > 0 ? ` (${labels.join(', ')})` : ''}`);
  }
  if (np.inferred) {
    const top = [...np.inferred.entries()].sort((x, y) => y[1] - x[1]).slice(0, 2).filter(([, v]) => v >= 0.1);
    if (top.length > 0) parts.push(`niches ${top.map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ')}`);
  }
  const categoryHits = fits.filter((f) => f.category).map((f) => f.niche.id);
  const lead = fits[0];
  if (categoryHits.length > 0) parts.push(`category ${categoryHits.join(', ')}`);
  else if (ruledOut) parts.push(`mostly about ${ruledOut.niche.id}, which the brief rules out`);
  else if (np.top.niche && lead && lead.hits > 0 && !b.audience.some((a) => a.niche === np.top.niche) && lead.hits / np.top.hits < 0.5) {
    parts.push(`mostly about ${np.top.niche.id}`);
  }
  if (excludedHits.length > 0) parts.push(`mentions ${excludedHits.map((t) => `"${t.display}"`).join(', ')}, which the brief rules out`);
  if (parts.length === 0) {
    const wanted = [...b.audience.map((a) => a.niche.id), ...b.topics.map((t) => t.display)].slice(0, 3);
    parts.push(wanted.length > 0 ? `No posts about ${wanted.join(', ')} found` : 'No topic given to match');
  }
  parts.push(eng.note, aud.note);
  if (fresh.note) parts.push(fresh.note);
  const place = [p.country, p.language].filter((x): x is string => x !== null).join(', ');
  if (notes.length > 0) parts.push(...notes);
  else if (place.length > 0) parts.push(place);

  return { key: p.key, score, rationale: capitalise(parts.join('; ')), matchedTopics, breakdown };
}

export function scoreProfiles(brief: ScoringBrief, profiles: Profile[]): FitScore[] {
  const prepared = prepareBrief(brief);
  return profiles.map((p) => scoreProfile(prepared, p));
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
