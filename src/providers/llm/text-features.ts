/**
 * Text normalisation shared by brief expansion and fit scoring. Both sides of every comparison go
 * through the same functions, so a lexicon term and a caption word match whenever they would to a
 * reader: case, accents, plurals and '#' do not matter.
 */

/** Scripts written without spaces between words (or with particles glued on, as in Korean). */
const unspacedScript = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

/** The lowest code unit of those scripts (Thai, U+0E00): text entirely below it has none of their letters. */
const UNSPACED_FROM = 0x0e00;

export function isUnspaced(term: string): boolean {
  // most tokens are Latin: a scan of code units is far cheaper than the Unicode property test
  for (let i = 0; i < term.length; i++) if (term.charCodeAt(i) >= UNSPACED_FROM) return unspacedScript.test(term);
  return false;
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
  return foldedTokens(foldText(text));
}

const APOSTROPHE = 0x27;

/** `tokens` of a text already folded with `foldText` (folding is the costly part; do it once). */
function foldedTokens(folded: string): string[] {
  const out: string[] = [];
  for (const raw of folded.split(/[^\p{L}\p{N}']+/u)) {
    if (raw.length === 0) continue;
    const t = raw.charCodeAt(0) === APOSTROPHE || raw.charCodeAt(raw.length - 1) === APOSTROPHE ? raw.replace(/^'+|'+$/g, '') : raw;
    if (t.length === 0 || (t.length === 1 && !isUnspaced(t))) continue;
    out.push(stem(t));
  }
  return out;
}

/** A searchable view of one text: its token set, its token sequence and the folded text. */
export interface TextView {
  tokens: Set<string>;
  /** the distinct tokens in code-unit order, for prefix look-ups (sorted on first use) */
  readonly sorted: string[];
  /** tokens joined by single spaces, with a space at both ends, for phrase look-ups */
  sequence: string;
  folded: string;
  /** whether the text has any letter of an unspaced script (else no unspaced term can match) */
  unspaced: boolean;
}

/**
 * A view of a text. With a `segment` function, compound hashtags also contribute their words
 * ("dogsofinstagram" adds "dog", "of", "instagram" as tokens), so a lexicon word matches inside them.
 */
export function textView(text: string, segment?: (token: string) => string[]): TextView {
  const folded = foldText(text);
  const list = foldedTokens(folded);
  const set = new Set(list);
  if (segment) {
    for (const t of list) {
      if (t.length < 7) continue;
      for (const part of segment(t)) set.add(stem(part));
    }
  }
  let sorted: string[] | undefined;
  return {
    tokens: set,
    // most views (every imported creator's) are never asked for a prefix: the niche lexicon looks its prefixes up by token
    get sorted() {
      return (sorted ??= [...set].sort());
    },
    sequence: ` ${list.join(' ')} `,
    folded,
    unspaced: isUnspaced(folded),
  };
}

/** A lexicon or brief term in matchable form: one token, two tokens (a phrase) or unspaced text. */
export interface Term {
  /** the term as people write it, for rationales */
  display: string;
  kind: 'token' | 'phrase' | 'unspaced';
  /** token, space-separated phrase tokens, or folded unspaced text */
  key: string;
}

/**
 * Terms by display string. The scorer turns the same lexicon and evidence words into terms for
 * every candidate (concept keys, handle checks, rationale words), and folding is the costly part;
 * a term depends on its string alone. Cleared when full, like the hashtag segment cache.
 */
const termCache = new Map<string, Term>();
const TERM_CACHE_MAX = 20_000;

export function term(display: string): Term {
  const cached = termCache.get(display);
  if (cached) return { ...cached };
  const t = makeTerm(display);
  if (termCache.size >= TERM_CACHE_MAX) termCache.clear();
  termCache.set(display, t);
  return { ...t };
}

function makeTerm(display: string): Term {
  const d = display.trim();
  if (isUnspaced(d)) return { display: d, kind: 'unspaced', key: foldText(d) };
  const t = tokens(d);
  if (t.length >= 2) return { display: d, kind: 'phrase', key: t.join(' ') };
  return { display: d, kind: 'token', key: t[0] ?? foldText(d) };
}

/**
 * Scoring matches every lexicon term against every candidate's text, so the substring scans come
 * last: a phrase can only be in the token sequence when its first token is one of the text's
 * tokens, and an unspaced term only in a text with some unspaced letter. Same answers, fewer scans.
 */
export function matches(view: TextView, t: Term): boolean {
  switch (t.kind) {
    case 'token':
      return view.tokens.has(t.key);
    case 'phrase': {
      const joined = t.key.replaceAll(' ', '');
      if (view.tokens.has(joined)) return true;
      return view.tokens.has(t.key.slice(0, t.key.indexOf(' '))) && view.sequence.includes(` ${t.key} `);
    }
    case 'unspaced':
      return view.unspaced && view.folded.includes(t.key);
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
 * Function words of the languages the lexicon covers (English, German, Spanish, French, Portuguese,
 * Italian, Dutch, Indonesian): they are never a topic, a search word or a rationale word, in a brief
 * or in a creator's text. Folded and stemmed like every other token.
 */
export const functionWords: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries({
    en: `a an the and or but nor of for to in on at by with from into onto about over under as is are was were be been
      being this that these those it its our we us you your they them their he she his her i me my mine who whom which what
      when where why how all any both each few more most other some such no not only own same so than too very can will
      just should would could may might must shall do does did doing done have has had having also there here then if
      we're we've you're they're it's i'm let's who'd up out off down again once every`,
    de: `der die das den dem des ein eine einen einem einer eines und oder aber sondern nicht kein keine keinen keiner mit von
      vom zu zum zur auf aus bei fur nach uber unter vor hinter neben zwischen durch gegen ohne um an am im in ins ist sind
      war waren sein seine ihr ihre ihren unser unsere unseren wir sie er es ich du euch uns mich dich sich man dass wenn
      als wie wo was wer auch noch nur schon sehr mehr gern gerne dies diese dieser dieses jede jeder jedes alle allen hier
      dort so oder bis werden wird wurde hat haben hatte kann konnen soll sollen will wollen regelmassig`,
    es: `el la los las un una unos unas y e o u pero ni no si de del al a en con sin por para sobre entre hacia desde hasta
      que quien quienes cual cuales como cuando donde su sus mi mis tu tus nuestro nuestra nuestros nuestras se lo le les
      me te nos es son ser esta este estos estas ese esa esos esas muy mas tambien ya todo toda todos todas cada otro otra`,
    fr: `le la les l un une des du de d et ou mais ni ne pas non si a au aux en dans sur sous avec sans pour par chez entre
      vers que qui quoi dont ou comme quand son sa ses leur leurs notre nos votre vos mon ma mes ton ta tes se ce cet cette
      ces il elle ils elles nous vous on je tu est sont etre tres plus aussi tout toute tous toutes chaque autre`,
    pt: `o a os as um uma uns umas e ou mas nao de do da dos das em no na nos nas com sem por para pelo pela que quem como
      quando onde seu sua seus suas nosso nossa se muito mais tambem todo toda todos todas`,
    it: `il lo la i gli le un uno una e o ma non di del della dei delle da dal in nel nella con senza per su che chi come
      quando dove suo sua suoi nostro nostra si molto piu anche tutto tutti ogni`,
    nl: `de het een en of maar niet van voor met zonder op in aan bij door naar over uit dat die wie wat hoe waar ons onze
      wij jij zij hij ik je zijn is was ook heel meer alle`,
    id: `dan atau tapi yang di ke dari untuk dengan tanpa pada ini itu kami kita saya aku kamu mereka dia adalah juga sangat
      lebih semua setiap`,
  }).map(([lang, words]) => [lang, new Set(tokens(words))]),
);

const allFunctionWords = new Set(Object.values(functionWords).flatMap((s) => [...s]));

export function isFunctionWord(token: string): boolean {
  return allFunctionWords.has(token);
}

/**
 * Words that carry no topic in a campaign brief: the function words of every covered language,
 * marketing vocabulary and audience words (in the same languages). Topic words are what is left.
 */
export const briefStopWords = new Set([
  ...allFunctionWords,
  ...tokens(`
    like want wants wanted need needs needed looking look find finding seek seeking search searching help
    please around across based via per plus etc new best top great good high quality real authentic genuine
    brand brands branded campaign campaigns launch launching launches product products promote promoting
    promotion promotional sponsor sponsored sponsorship partner partners partnership collab collaboration
    collaborate ambassador ambassadors marketing market ad ads advert advertising advertisement content
    creator creators influencer influencers influence blogger bloggers vlogger vloggers account accounts
    profile profiles page pages channel channels audience audiences follower followers following fan fans
    people person user users someone anyone community communities
    goer goers lover lovers enthusiast enthusiasts fanatic fanatics junkie junkies addict addicts
    year years old age aged ages between range least less fewer minimum maximum min max ideally preferably young younger older adult adults men women male female
    man woman guy guys girl girls teen teens teenager teenagers millennial millennials genz gen z boomer
    nano micro mid tier macro mega small medium large big mid-tier
    engagement engaged engaging rate rates reach impressions views view
    speaking speaker speakers speak speaks language languages country countries region regional local
    instagram insta ig tiktok tiktoker tiktokers youtube youtuber youtubers yt reels reel shorts video videos
    post posts posting story stories platform platforms social media share shares sharing show shows showing
    feed feeds whose make makes made making get gets our ours everyday daily regularly especially mostly
    talk talks about tips tip idea ideas thing things way ways lot lots kind sort part one two three four five six
    seven eight nine ten first second third life lives time times day days week weeks month months today every
    free made make makes making full little ones everything something anything nothing moment moments
    suchen sucht suche bringen bringt markt marke hersteller verkaufen verkauft zeigen zeigt teilen teilt posten
    dokumentieren neue neuen neues kampagne creatorin creatorinnen influencerin influencerinnen gerne fokus
    busca buscan buscamos marca tienda nueva nuevo creadora creadoras creadores compartan comparta publiquen publique
    colaboracion pagada cuentas cuenta seguidores
    cherche cherchons recherche recherchons marque nouvelle nouveau gamme createur createurs creatrice creatrices
    partagent partage publient publie parlent comptes compte consacres abonnes
    procura marca criadores criadoras cerca marchio creatori
  `),
]);

/**
 * Splits a compound hashtag into known words ("dogsofinstagram" → dogs of instagram) by dynamic
 * programming over a vocabulary: the split with the fewest pieces that covers the whole tag, each
 * piece a vocabulary word of at least two letters. Returns [] when no such split exists.
 */
export function segmentHashtag(tag: string, vocabulary: ReadonlySet<string>, maxWord = 16): string[] {
  const n = tag.length;
  if (n < 5 || n > 40 || isUnspaced(tag)) return [];
  const best: (number | undefined)[] = new Array(n + 1).fill(undefined);
  const from: number[] = new Array(n + 1).fill(-1);
  best[0] = 0;
  for (let i = 1; i <= n; i++) {
    for (let j = Math.max(0, i - maxWord); j <= i - 2; j++) {
      if (best[j] === undefined || (j === 0 && i === n) || !vocabulary.has(tag.slice(j, i))) continue;
      const c = best[j]! + 1;
      if (best[i] === undefined || c < best[i]!) {
        best[i] = c;
        from[i] = j;
      }
    }
  }
  if (best[n] === undefined) return [];
  const parts: string[] = [];
  for (let i = n; i > 0; i = from[i]!) parts.unshift(tag.slice(from[i]!, i));
  return parts;
}
