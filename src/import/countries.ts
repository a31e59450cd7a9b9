/**
 * Country names (as data sets spell them) → ISO 3166-1 alpha-2. Covers the countries in the
 * Kaggle sets and the ones Instagram location names mention most; unknown names map to null
 * rather than to a guess.
 */
const table = `
AE:United Arab Emirates|UAE|Dubai|Abu Dhabi
AL:Albania
AR:Argentina
AT:Austria|Österreich
AU:Australia
BD:Bangladesh
BE:Belgium|België|Belgique
BG:Bulgaria
BR:Brazil|Brasil
CA:Canada
CH:Switzerland|Schweiz|Suisse
CL:Chile
CN:China
CO:Colombia
CR:Costa Rica
CU:Cuba
CZ:Czech Republic|Czechia
DE:Germany|Deutschland
DK:Denmark|Danmark
DO:Dominican Republic
DZ:Algeria
EC:Ecuador
EG:Egypt
ES:Spain|España
ET:Ethiopia
FI:Finland|Suomi
FR:France
GB:United Kingdom|UK|Great Britain|England|Scotland|Wales|Northern Ireland
GR:Greece
HK:Hong Kong
HR:Croatia|Hrvatska
HU:Hungary
ID:Indonesia
IE:Ireland
IL:Israel
IN:India
IQ:Iraq
IR:Iran
IS:Iceland
IT:Italy|Italia
JO:Jordan
JP:Japan|日本
KE:Kenya
KR:South Korea|Korea|Republic of Korea|대한민국|한국
KW:Kuwait
LB:Lebanon
LK:Sri Lanka
MA:Morocco
MV:Maldives
MX:Mexico|México
MY:Malaysia
NG:Nigeria
NL:Netherlands|The Netherlands|Nederland|Holland
NO:Norway|Norge
NZ:New Zealand
PE:Peru|Perú
PH:Philippines
PK:Pakistan
PL:Poland|Polska
PT:Portugal
QA:Qatar
RO:Romania
RS:Serbia
RU:Russia|Russian Federation|Россия
SA:Saudi Arabia
SE:Sweden|Sverige
SG:Singapore
SO:Somalia
SY:Syria
TH:Thailand
TR:Turkey|Türkiye
TW:Taiwan
UA:Ukraine
US:United States|USA|U.S.A.|US|United States of America|America
UY:Uruguay
VE:Venezuela
VN:Vietnam|Viet Nam
YE:Yemen
ZA:South Africa
`;

/** US states: Instagram locations often end in one ("Lewes, Delaware"). */
const usStates = `Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|
Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|
Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|
Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|
Wisconsin|Wyoming|District of Columbia|Washington DC|Washington D.C.`;

const byName = new Map<string, string>();
for (const line of table.trim().split('\n')) {
  const [code, names] = line.split(':') as [string, string];
  for (const name of names.split('|')) byName.set(key(name), code);
}
const states = new Set(usStates.split('|').map(key));

function key(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/**
 * ISO-2 for a country name in the table, or any two-letter code taken as ISO-2 as given (the
 * generic format documents ISO-2 input, and the full code list is not worth carrying); "UK" → GB.
 * Null when unknown.
 */
export function countryCode(value: string): string | null {
  const v = value.trim();
  if (v === '') return null;
  if (/^[A-Za-z]{2}$/.test(v)) return byName.get(key(v)) ?? v.toUpperCase();
  return byName.get(key(v)) ?? null;
}

/**
 * The country of a place name like "Sydney, Australia" or "Austin, Texas": the last
 * comma-separated part that names a country (or a US state). Venues without one give null.
 */
export function countryFromPlace(place: string): string | null {
  const parts = place.split(',').map((p) => p.trim()).filter(Boolean);
  for (let i = parts.length - 1; i >= Math.max(0, parts.length - 2); i--) {
    const k = key(parts[i]!);
    if (parts.length > 1 && states.has(k)) return 'US';
    const code = byName.get(k);
    if (code && k.length > 2) return code;
  }
  return null;
}
