/**
 * Text normalisation shared by brief expansion and fit scoring. Both sides of every comparison go
 * through the same functions, so a lexicon term and a caption word match whenever they would to a
 * reader: case, accents, plurals and '#' do not matter.
 */

/** Scripts written without spaces between words (or with particles glued on, as in Korean). */
const unspacedScript = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

export function isUnspaced(term: string): boolean {
  return unspacedScript.test(term);
}

/** Lower case, no accents (é → e), NFKC-folded; keeps every script's letters. */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toLowerCase();
}

/** Plural and possessive endings stripped so "dogs", "dog's" and "dog" are one token. */
export function stem(token: string): string {
  if (token.length <= 3 || isUnspaced(token)) return token;
  if (token.endsWith("'s")) return token.slice(0, -2);
  if (token.length > 4 && token.endsWith('ies')) return `${token.slice(0, -3)}y`;
  // "foodie" and "foodies" (→ "foody") must meet
  if (token.length > 4 && token.endsWith('ie')) return `${token.slice(0, -2)}y`;
  if (token.length > 4 && /(ss|x|ch|sh)es$/.test(token)) return token.slice(0, -2);
  if (token.endsWith('s') && !token.endsWith('ss') && !token.endsWith('us') && !token.endsWith('is')) {
    return token.slice(0, -1);
  }
  return token;
}

/** Word tokens of a text, folded and stemmed, in order ('#' and punctuation dropped). */
export function tokens(text: string): string[] {
  const out: string[] = [];
  for (const raw of foldText(text).split(/[^\p{L}\p{N}']+/u)) {
    const t = raw.replace(/^'+|'+$/g, '');
    if (t.length === 0 || (t.length === 1 && !isUnspaced(t))) continue;
    out.push(stem(t));
  }
  return out;
}

/** A searchable view of one text: its token set, its token sequence and the folded text. */
export interface TextView {
  tokens: Set<string>;
  /** the distinct tokens in code-unit order, for prefix look-ups */
  sorted: string[];
  /** tokens joined by single spaces, with a space at both ends, for phrase look-ups */
  sequence: string;
  folded: string;
}

export function textView(text: string): TextView {
  const list = tokens(text);
  const set = new Set(list);
  return { tokens: set, sorted: [...set].sort(), sequence: ` ${list.join(' ')} `, folded: foldText(text) };
}

/** A lexicon or brief term in matchable form: one token, two tokens (a phrase) or unspaced text. */
export interface Term {
  /** the term as people write it, for rationales */
  display: string;
  kind: 'token' | 'phrase' | 'unspaced';
  /** token, space-separated phrase tokens, or folded unspaced text */
  key: string;
}

export function term(display: string): Term {
  const d = display.trim();
  if (isUnspaced(d)) return { display: d, kind: 'unspaced', key: foldText(d) };
  const t = tokens(d);
  if (t.length >= 2) return { display: d, kind: 'phrase', key: t.join(' ') };
  return { display: d, kind: 'token', key: t[0] ?? foldText(d) };
}

export function matches(view: TextView, t: Term): boolean {
  switch (t.kind) {
    case 'token':
      return view.tokens.has(t.key);
    case 'phrase':
      return view.sequence.includes(` ${t.key} `) || view.tokens.has(t.key.replaceAll(' ', ''));
    case 'unspaced':
      return view.folded.includes(t.key);
  }
}

/**
 * True when some token of the view starts with `prefix`: compound hashtags such as
 * "dogsofinstagram" or "fitnessmotivation" carry their niche in their first letters.
 */
export function hasPrefix(view: TextView, prefix: string): boolean {
  const list = view.sorted;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  // the first token not below the prefix; if it is the prefix itself, the next may extend it
  for (let i = lo; i < list.length && i <= lo + 1; i++) {
    const t = list[i]!;
    if (!t.startsWith(prefix)) return false;
    if (t.length > prefix.length) return true;
  }
  return false;
}

/**
 * Words that carry no topic in a campaign brief: grammar, marketing vocabulary and audience words.
 * Topic words are what is left.
 */
export const briefStopWords = new Set(
  tokens(`
    a an the and or but nor of for to in on at by with from into onto about over under as is are was were be been
    being this that these those it its our we us you your they them their he she his her i me my mine who whom
    which what when where why how all any both each few more most other some such no not only own same so than
    too very can will just should would could may might must shall do does did doing done have has had having
    also like want wants wanted need needs needed looking look find finding seek seeking search searching help
    please around across based via per plus etc new best top great good high quality real authentic genuine
    brand brands branded campaign campaigns launch launching launches product products promote promoting
    promotion promotional sponsor sponsored sponsorship partner partners partnership collab collaboration
    collaborate ambassador ambassadors marketing market ad ads advert advertising advertisement content
    creator creators influencer influencers influence blogger bloggers vlogger vloggers account accounts
    profile profiles page pages channel channels audience audiences follower followers following fan fans
    people person user users someone anyone community communities who'd they're
    goer goers lover lovers enthusiast enthusiasts fanatic fanatics junkie junkies addict addicts
    year years old age aged ages between range least less fewer minimum maximum min max ideally preferably young younger older adult adults men women male female
    man woman guy guys girl girls teen teens teenager teenagers millennial millennials genz gen z boomer
    nano micro mid tier macro mega small medium large big mid-tier
    engagement engaged engaging rate rates reach impressions views view
    speaking speaker speakers speak speaks language languages country countries region regional local
    instagram insta ig tiktok tiktoker tiktokers youtube youtuber youtubers yt reels reel shorts video videos
    post posts posting story stories platform platforms social media
  `),
);
