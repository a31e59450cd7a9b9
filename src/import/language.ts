/**
 * A small, conservative language guess for captions (ISO 639-1), so that a language filter has
 * something to work with on sources that do not state one. Scripts decide first (Hangul → ko,
 * kana → ja, ...); Latin-script text is judged by its function words and only labelled when one
 * language clearly wins. Anything unclear stays null: an unknown language never passes a filter,
 * which is better than a wrong one passing it.
 */

/** Unicode blocks that identify a language well enough on their own: [first, last, language]. */
const scripts: [number, number, string][] = [
  [0xac00, 0xd7af, 'ko'],
  [0x3040, 0x30ff, 'ja'],
  [0x0e00, 0x0e7f, 'th'],
  [0x0600, 0x06ff, 'ar'],
  [0x0590, 0x05ff, 'he'],
  [0x0400, 0x04ff, 'ru'],
  [0x0370, 0x03ff, 'el'],
  [0x0900, 0x097f, 'hi'],
  [0x4e00, 0x9fff, 'zh'],
];

const functionWords: Record<string, string> = {
  en: 'the and you for with this that are have was but your from what just all so my our we it is be',
  es: 'el los las que por para con una del muy pero como mas esta este todo gracias hoy',
  pt: 'os que para com uma muito mais você voce não nao por isso está esta meu minha hoje obrigado',
  fr: 'les des est pour avec une dans sur pas qui sont mais très tres nous vous cette',
  it: 'il che per con una sono del della non gli questo anche molto oggi grazie',
  de: 'der die und ist nicht ein eine mit auf für fur von ich das sich auch heute',
  id: 'yang dan di ini itu dengan untuk tidak aku kamu ada dari juga saya kita',
  nl: 'het een van en de niet met voor zijn wat ook maar dit mijn',
  tr: 've bir bu için icin ile çok cok ama gibi daha ben',
};

const lexicon = new Map<string, string[]>();
for (const [lang, words] of Object.entries(functionWords)) {
  for (const w of words.split(' ')) lexicon.set(w, [...(lexicon.get(w) ?? []), lang]);
}

const MIN_SCRIPT_CHARS = 4;
const MIN_WORD_HITS = 3;

export function detectLanguage(raw: string): string | null {
  // hashtags, mentions and links are not sentences in any language
  const text = raw.replace(/[#@]\S+|https?:\/\/\S+|www\.\S+/g, ' ');
  const perScript = new Array<number>(scripts.length).fill(0);
  let latin = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
      continue;
    }
    if (c <= 0x24f) {
      if (c >= 0xc0) latin++;
      continue;
    }
    for (let s = 0; s < scripts.length; s++) {
      const [from, to] = scripts[s]!;
      if (c >= from && c <= to) {
        perScript[s]!++;
        break;
      }
    }
  }
  let best = -1;
  for (let s = 0; s < scripts.length; s++) {
    if (perScript[s]! >= MIN_SCRIPT_CHARS && (best < 0 || perScript[s]! > perScript[best]!)) best = s;
  }
  // Han without kana could be Chinese or Japanese kanji only; the kana rule already caught Japanese
  if (best >= 0 && perScript[best]! >= latin * 0.5) return scripts[best]![2];

  const hits = new Map<string, number>();
  for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) {
    const langs = lexicon.get(word);
    if (langs) for (const lang of langs) hits.set(lang, (hits.get(lang) ?? 0) + 1);
  }
  const ranked = [...hits.entries()].sort((a, b) => b[1] - a[1]);
  const [top, second] = ranked;
  if (!top || top[1] < MIN_WORD_HITS) return null;
  if (second && top[1] < second[1] * 2) return null;
  return top[0];
}
