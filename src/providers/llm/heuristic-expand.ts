import type { AudienceNiche, BriefExpansion } from '../../domain/job.js';
import { inferFilters } from './brief-filters.js';
import { detectNiches, getNiche, segmentTag } from './niche-lexicon.js';
import { audienceOfProducts, dependentCompounds, findProducts, forDependents, mergeAudience, productTokens } from './product-audience.js';
import { briefStopWords, foldText, isFunctionWord, stem, term, textView } from './text-features.js';

const MAX_NICHES = 4;
const MAX_TOPICS = 12;
const MAX_QUERIES = 5;
const QUERY_WORDS = 8;
/** a niche the brief's words only touch on is at most this much of the audience */
const SECONDARY_WEIGHT = 0.6;

/**
 * Rule-based reading of a brief, the way a scout reads it:
 * - what is sold (the product map: "dog food", "Kinderwagen") and who should promote it, as
 *   weighted audience niches — the product's audience first, niches the brief names next;
 * - what it rules out ("no fitness or travel accounts", "not alcohol"), kept out of the niches,
 *   topics and queries and scored against;
 * - modifiers the data can only honour softly ("men's" → menswear words), with a note saying so;
 * - its topic words (function words of every covered language removed, compound hashtags split),
 *   the hard filters it states, and a handful of search queries: the brief condensed, one per
 *   audience niche, and one combining them.
 * Deterministic: the same brief gives the same expansion.
 */
export function expandBriefText(brief: string): BriefExpansion {
  const { filters, consumed, notes: filterNotes } = inferFilters(brief);
  const split = splitExclusions(brief);
  const excluded = split.excluded;
  const positive = readIdioms(split.positive);
  const view = textView(positive, segmentTag);

  const products = dependentCompounds(view, forDependents(view, findProducts(view)));
  const productKeys = productTokens(products);
  // niches named by the words around the product, not by the product's own words ("food" in "dog food")
  const detected = detectNiches(textView(withoutWords(positive, productKeys), segmentTag));
  const top = detected[0]?.score ?? 0;
  const productAud = audienceOfProducts(products);
  const named: AudienceNiche[] = detected.map((d, i) => ({
    niche: d.evidence.niche.id,
    weight: i === 0 && productAud.length === 0 ? 1 : Math.min(i === 0 ? 1 : SECONDARY_WEIGHT, round2(d.score / top)),
  }));
  if (productAud.length > 0) for (const n of named) n.weight = Math.min(n.weight, productAud.some((p) => p.niche === n.niche) ? 1 : 0.7);
  const wanted = mergeAudience(productAud, named);
  // "skincare, not makeup" or "cat litter, no dog breeders": a niche the brief also asks for stays; only its words are ruled out
  const exclusion = readExclusions(excluded, new Set(wanted.filter((a) => a.weight >= SECONDARY_WEIGHT).map((a) => a.niche)));
  const audience = normaliseAudience(wanted.filter((a) => !exclusion.niches.includes(a.niche))).slice(0, MAX_NICHES);
  const niches = audience.map((a) => a.niche);

  const modifiers = readModifiers(brief);
  const words = contentWords(positive, consumed).filter((w) => !productKeys.has(stem(w)));
  const phrases = detected
    .filter((d) => niches.includes(d.evidence.niche.id))
    .flatMap((d) => [...d.evidence.names, ...d.evidence.terms])
    .filter((p) => /\s/.test(p));
  const productPhrases = products.map((p) => p.product);
  const topics = uniqueBy([...productPhrases.map(foldText), ...phrases.map(foldText), ...words], stemKey).slice(0, MAX_TOPICS);

  const queries: string[] = [];
  // product phrases keep their words but not their grammar ("esmalte de uñas" → esmalte unas)
  const productWordsInOrder = productPhrases.flatMap((p) => foldText(p).split(/\s+/)).filter((w) => !isFunctionWord(stem(w)));
  const condensed = [...new Set([...productWordsInOrder, ...words])].slice(0, 16).join(' ');
  queries.push(condensed.length > 0 ? condensed : foldText(brief).replace(/\s+/g, ' ').trim().slice(0, 200));
  for (const a of audience.slice(0, 3)) {
    const d = detected.find((x) => x.evidence.niche.id === a.niche);
    const own = d ? [...d.evidence.names, ...d.evidence.terms].map(foldText) : [];
    queries.push(queryOf([a.niche, ...own, ...getNiche(a.niche)!.queryTerms, ...modifiers.preferences]));
  }
  if (audience.length >= 2) queries.push(queryOf([...niches.slice(0, 3), ...topics.slice(0, 4)]));

  const expansion: BriefExpansion = { queries: uniqueBy(queries, (q) => q).slice(0, MAX_QUERIES), niches, topics, filters, audience };
  if (exclusion.niches.length > 0 || exclusion.terms.length > 0) expansion.exclusions = exclusion;
  if (modifiers.preferences.length > 0) expansion.preferences = modifiers.preferences;
  const notes = [...filterNotes, ...modifiers.notes, ...exclusion.notes];
  if (notes.length > 0) expansion.notes = notes;
  return expansion;
}

/** The strongest niche weighs 1; the others keep their proportion. */
function normaliseAudience(list: AudienceNiche[]): AudienceNiche[] {
  const max = Math.max(0, ...list.map((a) => a.weight));
  return max <= 0 ? [] : list.map((a) => ({ niche: a.niche, weight: round2(a.weight / max) }));
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Words that rule something out, in the covered languages. "non-" (non-alcoholic) describes the
 * product, and "not just/only" adds rather than removes, so neither counts. The cue may follow a
 * quote or a slash ("skincare/no makeup"). The span runs over commas (a list may follow) and stops
 * at any other clause punctuation.
 */
const negation =
  /(^|[\s,;:(—–"'“‘«/])(not|no|without|except|excluding|avoid|nicht|kein|keine|keinen|ohne|sin|excepto|pas de|pas|sans|sem|senza)\s+(?!just\b|only\b|nur\b|solo\b|seulement\b|more than\b|less than\b|later than\b)([^.;:!?()—–\n]{1,120})/gu;

/** Words that close a list ("x, y or z") in the covered languages. */
const listConjunction = /(^|\s)(or|nor|and|oder|und|noch|o|y|ni|ou|et|e)\s/u;
const articles = new Set(['the', 'any', 'a', 'an', 'der', 'die', 'das', 'el', 'la', 'los', 'las', 'le', 'les', 'des', 'o', 'os', 'as']);
/** a list item longer than this is a new clause, not part of the list */
const LIST_ITEM_WORDS = 4;

/**
 * The ruled-out part of a span that starts after a negation: its first clause, and when that clause
 * opens a list, the rest of the list — "no alcohol, gambling or vaping brands, we want …" rules out
 * all three, "not makeup, we want skincare" only makeup. A list is items of at most four words up to
 * one that holds a conjunction, none opening with a pronoun (a new clause); an item that starts with one ("…, and we love dogs") only closes a
 * list that already has a middle item ("x, y, and z").
 */
function ruledOutClause(span: string): string {
  const clause = span.split(/\bbut\b|\bsondern\b|\bpero\b|\bmais\b|\baber\b/u)[0]!;
  const items = clause.split(',');
  const words = (x: string) => x.trim().split(/\s+/).filter(Boolean).length;
  let end = 0;
  for (let i = 1; i < items.length; i++) {
    const item = items[i]!;
    if (words(item) === 0 || words(item) > LIST_ITEM_WORDS) break;
    // "…, we like brunch": a pronoun or other function word opens a new clause (articles may open an item)
    const first = item.trim().split(/\s+/)[0]!;
    if (isFunctionWord(stem(first)) && !listConjunction.test(` ${first} `) && !articles.has(first)) break;
    const m = listConjunction.exec(` ${item.trim()} `);
    if (!m) continue;
    const startsWithIt = item.trim().split(/\s+/)[0] === m[2];
    if (!startsWithIt || i >= 2) end = i;
    break;
  }
  return items.slice(0, end + 1).join(',').trim();
}

/** The brief without what it rules out, and the ruled-out spans. */
export function splitExclusions(brief: string): { positive: string; excluded: string[] } {
  const excluded: string[] = [];
  const positive = foldText(brief).replace(negation, (whole: string, pre: string, _cue: string, span: string) => {
    const clause = ruledOutClause(span);
    if (clause.length === 0) return whole;
    excluded.push(clause);
    return `${pre} , ${span.slice(span.indexOf(clause) + clause.length)}`;
  });
  return { positive, excluded };
}

function readExclusions(spans: string[], wanted: Set<string>): { niches: string[]; terms: string[]; notes: string[] } {
  const niches: string[] = [];
  const terms: string[] = [];
  const notes: string[] = [];
  for (const span of spans) {
    const view = textView(span, segmentTag);
    const named = detectNiches(view).filter((d) => d.evidence.names.length > 0);
    const ruledOut = named.filter((d) => !wanted.has(d.evidence.niche.id));
    const nameKeys = new Set(ruledOut.flatMap((d) => d.evidence.names.map((n) => term(n).key)));
    for (const d of ruledOut) niches.push(d.evidence.niche.id);
    for (const w of contentWords(span, new Set())) if (!nameKeys.has(stem(w))) terms.push(w);
  }
  return { niches: [...new Set(niches)], terms: [...new Set(terms)].slice(0, 8), notes };
}

/**
 * Modifiers that describe the creators rather than the topic. The index holds no creator gender or
 * age, so they are honoured as soft topic preferences and a note says they are not filters.
 */
const genderModifiers: [RegExp, string, string[]][] = [
  [/\b(men's|mens|for men|male|guys|herren|manner|hombre|hombres|homme|hommes|masculin[oae]?)\b/u, 'men', ['menswear', 'mensfashion', 'mensstyle', 'gentleman', 'menstyle', 'herrenmode', 'beard']],
  [/\b(women's|womens|for women|female|ladies|damen|frauen|mujer|mujeres|femme|femmes|feminin[oae]?)\b/u, 'women', ['womenswear', 'womensfashion', 'girlboss', 'ladies', 'damenmode']],
];

function readModifiers(brief: string): { preferences: string[]; notes: string[] } {
  const folded = foldText(brief);
  const preferences: string[] = [];
  const notes: string[] = [];
  for (const [re, who, words] of genderModifiers) {
    const m = re.exec(folded);
    if (!m) continue;
    preferences.push(...words);
    notes.push(
      `"${m[1]}" is read as a preference for creators posting about ${who}'s topics (${words.slice(0, 3).join(', ')}); creator gender is not in the data, so it is not a filter`,
    );
  }
  const age = ageModifier.exec(folded);
  if (age) notes.push(`"${age[0].trim()}" describes an age group; creator and audience age are not in the data, so it is not applied`);
  return { preferences, notes };
}

/** Age groups and ranges ("Gen Z", "25–34", "over 40", "teens"), in the covered languages. */
const ageModifier =
  /\b(gen ?z|gen ?alpha|millennials?|boomers?|teens?|teenagers?|seniors?|students?|jugendliche|studenten|senioren|jovenes|adolescentes|mayores|jeunes|ados|etudiants)\b|\b\d{2}\s*(?:[-–]|to|bis|a)\s*\d{2}(?:\s*(?:year|jahr|ano|an)s?)?\b|\b(?:over|under|ueber|unter|mas de|menos de|plus de|moins de)\s+\d{2}\b(?!\s*(?:k|000|%|followers|follower))/u;

/**
 * "Dog mom", "pup parents", "cat dad", "fur babies", "Hundemama": people who call themselves their
 * animals' parents are pet owners, not parenting accounts. Read as "pet owners" so the family words
 * in them name no family audience and the idiom names the pet one it means. Likewise a "baby pink"
 * blush is pastel, not for babies.
 */
const petParent =
  /\b(dog|dogs|doggy|doggo|pup|pups|puppy|cat|cats|kitty|pet|pets|fur|furry|plant|hunde|katzen|perro|perros|gato|gatos|chien|chiens|chat|chats)(\s*[-']?\s*)(parents?|moms?|mums?|mamas?|mommy|mommies|dads?|daddy|papas?|mothers?|fathers?|famil(?:y|ies)|bab(?:y|ies)|kids?|mutter|vater|padres|madres|mamis?)\b/gu;

/** "baby pink", "baby blue": a colour, not a baby; "baby spinach", "hot dogs", "corn dogs": food */
const babyColour = /\b(baby|bebe)([\s-]+)(pink|blue|rosa|rose|bleu|azul|blau)\b/gu;
const babyFood = /\bbaby([\s-]+)(spinach|carrots?|potato(?:es)?|kale|corn|leaf|leaves|tomato(?:es)?|back ribs|octopus|squid)\b/gu;
const hotDog = /\b(hot|corn)[\s-]+(dogs?)\b/gu;

export function readIdioms(folded: string): string {
  folded = folded
    .replace(babyColour, (_w: string, _baby: string, gap: string, colour: string) => `pastel${gap}${colour}`)
    .replace(babyFood, (_w: string, gap: string, food: string) => `young${gap}${food}`)
    .replace(hotDog, (_w: string, kind: string, dog: string) => `${kind}${dog}`);
  return folded.replace(petParent, (_w: string, animal: string, gap: string) => `${animal}${gap.length > 0 ? gap : ' '}pet owners`);
}

/** The text with the given (stemmed) words blanked out. */
function withoutWords(text: string, keys: Set<string>): string {
  if (keys.size === 0) return text;
  return text
    .split(/([^\p{L}\p{N}']+)/u)
    .map((w) => (keys.has(stem(w.replace(/^'+|'+$/g, ''))) ? ' ' : w))
    .join('');
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
    if (briefStopWords.has(s) || briefStopWords.has(w) || consumed.has(s) || consumed.has(w)) continue;
    const parts = segmentTag(s);
    if (parts.length > 0) {
      for (const p of parts) if (!briefStopWords.has(stem(p))) out.push(p);
      continue;
    }
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
