import { countryAbbreviation, COUNTRIES, LANGUAGES } from '../../domain/countries-languages.js';
import type { HardFilters, Platform } from '../../domain/creator.js';
import { tierNamed } from '../../domain/follower-tiers.js';
import type { FollowerTierName } from '../../domain/follower-tiers.js';
import { foldText, tokens } from './text-features.js';

/**
 * Hard filters a brief states in words: platforms, the audience's country and language, a follower
 * band ("micro-influencers", "over 50k followers") and a minimum engagement rate. Country and
 * language words count only where they describe the creators or audience ("US gym-goers",
 * "Spanish-speaking", "based in Germany"), not a topic ("Italian recipes", "travel to Japan").
 */

const platformWords: [string, Platform][] = [
  ['instagram', 'instagram'],
  ['insta', 'instagram'],
  ['ig', 'instagram'],
  ['reel', 'instagram'],
  ['instagrammer', 'instagram'],
  ['tiktok', 'tiktok'],
  ['tiktoker', 'tiktok'],
  ['youtube', 'youtube'],
  ['youtuber', 'youtube'],
  ['yt', 'youtube'],
];

/** Words after a country/demonym that make it describe people: "American moms", "UK-based". */
const peopleWords = new Set(
  tokens(`based audience audiences market markets creator creators influencer influencers user users follower followers
    consumer consumers customer customers shopper shoppers people residents locals mom moms mum mums dad dads parent parents
    family families gamer gamers women men girls guys students teens millennials gym goers runners travelers travellers
    foodies fans viewers blogger bloggers youtubers tiktokers instagrammers creatives athletes`),
);
const placeCues = new Set(tokens('in from across within throughout inside located living residing'));
const languageCues = new Set(tokens('speaking speaker speakers language languages content captions posts videos'));

/** The words a brief names a size tier by ("mid" only as "mid tier" / "mid-sized", see inferFollowerBand). */
const tierWords = new Map<string, FollowerTierName>([
  ['nano', 'nano'],
  ['micro', 'micro'],
  ['midtier', 'mid-tier'],
  ['macro', 'macro'],
  ['mega', 'mega'],
]);


/** The shared country and language tables (domain/countries-languages) in token form, computed once. */
const languageWords: [string, string][] = LANGUAGES.flatMap(({ code, names }) => names.map((n): [string, string] => [code, tokens(n)[0]!]));
const countryPhrases: [string, string[]][] = COUNTRIES.flatMap(({ code, names, demonyms }) =>
  [...names, ...demonyms].map((n): [string, string[]] => [code, tokens(n)]).filter(([, t]) => t.length > 0),
);

export interface InferredFilters {
  filters: HardFilters;
  /** the brief words that produced filters, so expansion can leave them out of topic words */
  consumed: Set<string>;
  /** what the brief seems to say but is not applied as a filter, and why (shown as a warning) */
  notes: string[];
}

export function inferFilters(brief: string): InferredFilters {
  const words = tokens(brief);
  const consumed = new Set<string>();
  const filters: HardFilters = {};

  const platforms = new Set<Platform>();
  for (const [w, p] of platformWords) {
    if (words.includes(w)) {
      platforms.add(p);
      consumed.add(w);
    }
  }
  if (words.includes('tik') && words.includes('tok')) platforms.add('tiktok');
  if (platforms.size > 0) filters.platforms = [...platforms].sort();

  const languagePositions = new Set<number>();
  const languages = inferLanguages(words, consumed, languagePositions);
  if (languages.length > 0) filters.languages = languages;
  const notes: string[] = [];
  const countries = inferCountries(brief, words, consumed, languagePositions, notes);
  if (countries.length > 0) filters.countries = countries;

  Object.assign(filters, inferFollowerBand(brief, words, consumed));
  const er = inferMinEngagement(brief);
  if (er !== undefined) filters.minEngagementRate = er;
  return { filters, consumed, notes };
}

function findSequence(words: string[], phrase: string[]): number[] {
  const at: number[] = [];
  for (let i = 0; i + phrase.length <= words.length; i++) {
    if (phrase.every((p, j) => words[i + j] === p)) at.push(i);
  }
  return at;
}

function inferLanguages(words: string[], consumed: Set<string>, positions: Set<number>): string[] {
  const found = new Set<string>();
  for (const [code, w] of languageWords) {
    for (const i of findSequence(words, [w])) {
      const next = words[i + 1];
      const prev = words[i - 1];
      const intrinsic = /phone$|hablante$/.test(w);
      if (intrinsic || (next !== undefined && languageCues.has(next)) || prev === 'in' || prev === 'speak') {
        found.add(code);
        consumed.add(w);
        positions.add(i);
      }
    }
  }
  return [...found].sort();
}

/** How far back from "in/from X" a people word makes X where the creators are ("creators based in X"). */
const PLACE_SUBJECT_WINDOW = 4;

function inferCountries(brief: string, words: string[], consumed: Set<string>, languagePositions: Set<number>, notes: string[]): string[] {
  const found = new Set<string>();
  for (const raw of brief.split(/[\s,;:/()"“”]+/)) {
    const w = raw.replace(/[-–—].*$/, '').replace(/[!?'’]+$/, '');
    const code = countryAbbreviation(w) ?? countryAbbreviation(w.replace(/\.$/, ''));
    if (code) {
      found.add(code);
      consumed.add(foldText(w.replace(/\./g, '')));
    }
  }
  for (const [code, seq] of countryPhrases) {
    for (const i of findSequence(words, seq)) {
      // "Spanish-speaking" and "in English" name a language, already handled
      if (languagePositions.has(i)) continue;
      const prev = words[i - 1];
      const next = words[i + seq.length];
      const describesPeople = next !== undefined && peopleWords.has(next);
      const afterCue = prev !== undefined && placeCues.has(prev);
      // "in/from X" places whatever it follows: creators ("creators based in Germany") or the brand
      // and its product ("a hotel group in Portugal", "olive oil from Spain"), which says nothing
      // about where the creators should be
      const placesPeople = afterCue && words.slice(Math.max(0, i - 1 - PLACE_SUBJECT_WINDOW), i - 1).some((w) => peopleWords.has(w));
      if (afterCue && !describesPeople && !placesPeople) {
        notes.push(
          `"${prev} ${seq.join(' ')}" reads as where the brand or product is, not where its creators are, so no country filter is applied; set filters.countries to restrict by country`,
        );
        continue;
      }
      if (describesPeople || placesPeople) {
        found.add(code);
        for (const s of seq) consumed.add(s);
      }
    }
  }
  return [...found].sort();
}

const numberPattern = String.raw`(\d+(?:[.,]\d+)?)\s*(k|m|mm|thousand|million)?`;

function parseCount(n: string, unit: string | undefined): number {
  const value = Number(n.replace(',', '.'));
  const mult = unit === 'k' || unit === 'thousand' ? 1_000 : unit === 'm' || unit === 'mm' || unit === 'million' ? 1_000_000 : 1;
  return Math.round(value * mult);
}

function inferFollowerBand(brief: string, words: string[], consumed: Set<string>): Pick<HardFilters, 'followersMin' | 'followersMax'> {
  const text = foldText(brief).replace(/(\d),(\d{3})\b/g, '$1$2');
  const audience = String.raw`\s*\+?\s*(?:followers|follower|subscribers|subs|fans)`;
  const between = new RegExp(String.raw`(?:between\s+)?${numberPattern}\s*(?:-|–|—|to|and)\s*${numberPattern}${audience}`).exec(text);
  if (between) {
    const lo = parseCount(between[1]!, between[2] ?? between[4]);
    const hi = parseCount(between[3]!, between[4]);
    if (lo <= hi) return { followersMin: lo, followersMax: hi };
  }
  const band: { followersMin?: number; followersMax?: number } = {};
  const min = new RegExp(String.raw`(?:over|more than|at least|above|min(?:imum)?|>=?)\s*${numberPattern}${audience}|${numberPattern}\s*\+${audience}`).exec(text);
  if (min) band.followersMin = parseCount(min[1] ?? min[3]!, min[2] ?? min[4]);
  const max = new RegExp(String.raw`(?:under|less than|fewer than|below|at most|up to|max(?:imum)?|<=?)\s*${numberPattern}${audience}`).exec(text);
  if (max) band.followersMax = parseCount(max[1]!, max[2]);
  if (band.followersMin !== undefined || band.followersMax !== undefined) return band;

  let lo: number | undefined;
  let hi: number | undefined;
  let open = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let tier = tierWords.get(w);
    if (w === 'mid' && (words[i + 1] === 'tier' || words[i + 1] === 'size' || words[i + 1] === 'sized')) tier = 'mid-tier';
    else if (!tier) {
      const m = /^(nano|micro|macro|mega)(influencer|creator)$/.exec(w);
      if (m) tier = tierWords.get(m[1]!);
    }
    if (!tier) continue;
    consumed.add(w);
    const { min: tlo, max: thi } = tierNamed(tier);
    lo = lo === undefined ? tlo : Math.min(lo, tlo);
    if (thi === undefined) open = true;
    else hi = hi === undefined ? thi : Math.max(hi, thi);
  }
  if (lo === undefined) return {};
  return open ? { followersMin: lo } : { followersMin: lo, followersMax: hi };
}

function inferMinEngagement(brief: string): number | undefined {
  const text = foldText(brief);
  const m =
    /(\d+(?:\.\d+)?)\s*%\s*\+?\s*(?:or more\s+)?(?:avg\.?\s+|average\s+)?engagement/.exec(text) ??
    /engagement(?:\s+rate)?\s*(?:of|above|over|at least|>=?|of at least|min(?:imum)?)?\s*(\d+(?:\.\d+)?)\s*%/.exec(text);
  if (!m) return undefined;
  const pct = Number(m[1]);
  return pct > 0 && pct < 100 ? Math.round(pct * 100) / 10_000 : undefined;
}
