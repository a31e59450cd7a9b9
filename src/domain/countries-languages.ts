/**
 * Countries (ISO 3166-1 alpha-2) and languages (ISO 639-1): the one table of the names they go by,
 * read by the importers (a data set's country or language column, an Instagram place name) and by
 * the brief reader ("Spanish-speaking creators in Germany"). English names come from
 * `Intl.DisplayNames` (the ICU data Node ships), so a country column that says "Chad" or a
 * language column that says "Swahili" resolves without a hand-kept list of every code; the tables
 * below add what ICU does not give: other spellings, local names and demonyms, for the countries
 * the data sets and briefs name most (and the English name again, so an ICU rename such as
 * Turkey → Türkiye loses nothing).
 */

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** `code:names|…:demonyms|…`, names as data sets and briefs spell them. */
const countryTable = `
AE:United Arab Emirates|UAE|Dubai|Abu Dhabi:emirati
AL:Albania
AR:Argentina:argentinian|argentine
AT:Austria|Österreich:austrian
AU:Australia:australian|aussie
BD:Bangladesh
BE:Belgium|België|Belgique:belgian
BG:Bulgaria
BR:Brazil|Brasil:brazilian
CA:Canada:canadian
CH:Switzerland|Schweiz|Suisse:swiss
CL:Chile:chilean
CN:China:chinese
CO:Colombia:colombian
CR:Costa Rica
CU:Cuba
CZ:Czech Republic|Czechia
DE:Germany|Deutschland:german
DK:Denmark|Danmark:danish
DO:Dominican Republic
DZ:Algeria
EC:Ecuador
EG:Egypt:egyptian
ES:Spain|España:spanish
ET:Ethiopia
FI:Finland|Suomi:finnish
FR:France:french
GB:United Kingdom|Great Britain|England|Scotland|Wales|Northern Ireland|Britain:british|english|scottish|welsh
GR:Greece:greek
HK:Hong Kong
HR:Croatia|Hrvatska
HU:Hungary
ID:Indonesia:indonesian
IE:Ireland:irish
IL:Israel:israeli
IN:India:indian
IQ:Iraq
IR:Iran
IS:Iceland
IT:Italy|Italia:italian
JO:Jordan
JP:Japan|日本:japanese
KE:Kenya:kenyan
KR:South Korea|Korea|Republic of Korea|대한민국|한국:korean
KW:Kuwait
LB:Lebanon
LK:Sri Lanka
MA:Morocco
MV:Maldives
MX:Mexico:mexican
MY:Malaysia:malaysian
NG:Nigeria:nigerian
NL:Netherlands|The Netherlands|Nederland|Holland:dutch
NO:Norway|Norge:norwegian
NZ:New Zealand:kiwi
PE:Peru:peruvian
PH:Philippines:filipino|filipina
PK:Pakistan:pakistani
PL:Poland|Polska:polish
PT:Portugal:portuguese
QA:Qatar
RO:Romania
RS:Serbia
RU:Russia|Russian Federation|Россия:russian
SA:Saudi Arabia:saudi
SE:Sweden|Sverige:swedish
SG:Singapore:singaporean
SO:Somalia
SY:Syria
TH:Thailand:thai
TR:Turkey|Türkiye:turkish
TW:Taiwan:taiwanese
UA:Ukraine:ukrainian
US:United States|USA|United States of America|America:american
UY:Uruguay
VE:Venezuela
VN:Vietnam|Viet Nam:vietnamese
YE:Yemen
ZA:South Africa:south african
`;

/** Abbreviations written in capitals: in a brief only in capitals ("US" but not "us"), in data in any case. */
const ABBREVIATIONS: ReadonlyMap<string, string> = new Map(
  Object.entries({ US: 'US', USA: 'US', 'U.S.': 'US', 'U.S.A.': 'US', UK: 'GB', 'U.K.': 'GB', UAE: 'AE', KSA: 'SA' }),
);

/** Region codes ICU names that are no country. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ']);

export interface Country {
  code: string;
  /** the English name (ICU) first, then the table's other names */
  names: string[];
  /** words for its people, lower case ("german", "aussie") */
  demonyms: string[];
}

/** The countries the data sets and briefs name most, with their other names and demonyms. */
export const COUNTRIES: readonly Country[] = countryTable
  .trim()
  .split('\n')
  .map((line) => {
    const [code, names = '', demonyms = ''] = line.split(':') as [string, string?, string?];
    const english = regionNames.of(code);
    return { code, names: unique([...(english ? [english] : []), ...names.split('|')]), demonyms: demonyms ? demonyms.split('|') : [] };
  });

/** The capital-letter abbreviations of countries ("USA" → US, "UK" → GB), matched case-sensitively. */
export function countryAbbreviation(word: string): string | undefined {
  return ABBREVIATIONS.get(word);
}

/** The English name of a country code ("DE" → "Germany"), or undefined for a code ICU does not know. */
export function countryName(code: string): string | undefined {
  const c = code.toUpperCase();
  return /^[A-Z]{2}$/.test(c) && !NOT_COUNTRIES.has(c) ? regionNames.of(c) : undefined;
}

/** Folded for lookup: no accents, lower case, punctuation as spaces. */
export function nameKey(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Every name the table knows (other names, English names, abbreviations in any case) → code. */
const tableCountries = new Map<string, string>();
for (const c of COUNTRIES) for (const n of c.names) tableCountries.set(nameKey(n), c.code);
for (const [abbr, code] of ABBREVIATIONS) tableCountries.set(nameKey(abbr), code);

/** The table's names plus ICU's English name of every other two-letter region code. */
const allCountries = icuNames((a, b) => `${a}${b}`.toUpperCase(), countryName);
for (const [k, code] of tableCountries) allCountries.set(k, code);

/**
 * ISO-2 for a country as a data set spells it: a name or abbreviation (any case, accents optional),
 * or any two-letter code taken as ISO-2 as given ("uk" → GB). Null when unknown.
 */
export function countryCode(value: string): string | null {
  const v = value.trim();
  if (v === '') return null;
  const known = allCountries.get(nameKey(v));
  if (known) return known;
  return /^[A-Za-z]{2}$/.test(v) ? v.toUpperCase() : null;
}

/** US states: Instagram locations often end in one ("Lewes, Delaware"). */
const usStates = new Set(
  `Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|
Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|
Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|
Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|
Wisconsin|Wyoming|District of Columbia|Washington DC|Washington D.C.`
    .replace(/\n/g, '')
    .split('|')
    .map(nameKey),
);

/**
 * The country of a place name like "Sydney, Australia" or "Austin, Texas": the last
 * comma-separated part that names a country of the table (or a US state). Venues without one give
 * null; only the table's countries count, so a venue called "Chad's" is no country.
 */
export function countryFromPlace(place: string): string | null {
  const parts = place.split(',').map((p) => p.trim()).filter(Boolean);
  for (let i = parts.length - 1; i >= Math.max(0, parts.length - 2); i--) {
    const k = nameKey(parts[i]!);
    if (parts.length > 1 && usStates.has(k)) return 'US';
    const code = tableCountries.get(k);
    if (code && k.length > 2) return code;
  }
  return null;
}

export interface Language {
  code: string;
  /** the English name (ICU) first, then other words for it ("castilian", "francophone") */
  names: string[];
}

/** `code:names|…`: the languages briefs and data sets name most, with the other words for them. */
const languageTable = `
en:English|anglophone
es:Spanish|castilian|hispanohablante|hispanophone
fr:French|francophone
de:German
it:Italian
pt:Portuguese|lusophone
nl:Dutch
sv:Swedish
no:Norwegian
da:Danish
fi:Finnish
pl:Polish
el:Greek
tr:Turkish
ru:Russian
uk:Ukrainian
ar:Arabic
he:Hebrew
hi:Hindi
id:Indonesian|bahasa
ms:Malay
th:Thai
vi:Vietnamese
ja:Japanese
ko:Korean
zh:Chinese|mandarin|cantonese
tl:Tagalog|filipino
`;

export const LANGUAGES: readonly Language[] = languageTable
  .trim()
  .split('\n')
  .map((line) => {
    const [code, names] = line.split(':') as [string, string];
    const english = languageNames.of(code);
    return { code, names: unique([...(english ? [english] : []), ...names.split('|')]) };
  });

/** The English name of a language code ("pt" → "Portuguese"), or undefined. */
export function languageName(code: string): string | undefined {
  return /^[a-z]{2}$/.test(code) ? languageNames.of(code) : undefined;
}

/** The table's words plus ICU's English name of every other two-letter language code. */
const allLanguages = icuNames((a, b) => `${a}${b}`, languageName);
for (const l of LANGUAGES) for (const n of l.names) allLanguages.set(nameKey(n), l.code);

/** ISO 639-1 for a language as a data set spells it: a two-letter code as given, or a name ("German" → de). Null when unknown. */
export function languageCode(value: string): string | null {
  const v = value.trim().toLowerCase();
  if (/^[a-z]{2}$/.test(v)) return v;
  return allLanguages.get(nameKey(v)) ?? null;
}

/** Folded English name → code, for every two-letter code ICU names (676 lookups, once at load). */
function icuNames(codeOf: (a: string, b: string) => string, nameOf: (code: string) => string | undefined): Map<string, string> {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const out = new Map<string, string>();
  for (const a of letters) {
    for (const b of letters) {
      const code = codeOf(a, b);
      const name = nameOf(code);
      if (name) out.set(nameKey(name), code);
    }
  }
  return out;
}

function unique(xs: string[]): string[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = nameKey(x);
    if (k === '' || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
