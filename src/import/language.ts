/**
 * A small, conservative language guess for captions (ISO 639-1), so that a language filter has
 * something to work with on sources that do not state one. Scripts decide first (Hangul → ko,
 * kana → ja, ...); Latin-script text is judged by its function words and only labelled when one
 * language clearly wins. Anything unclear stays null: an unknown language never passes a filter,
 * which is better than a wrong one passing it.
 */

const scripts: { lang: string; re: RegExp }[] = [
  { lang: 'ko', re: /[\uac00-\ud7af]/gu },
  { lang: 'ja', re: /[\u3040-\u30ff]/gu },
  { lang: 'th', re: /[\u0e00-\u0e7f]/gu },
  { lang: 'ar', re: /[\u0600-\u06ff]/gu },
  { lang: 'he', re: /[\u0590-\u05ff]/gu },
  { lang: 'ru', re: /[\u0400-\u04ff]/gu },
  { lang: 'el', re: /[\u0370-\u03ff]/gu },
  { lang: 'hi', re: /[\u0900-\u097f]/gu },
  { lang: 'zh', re: /[\u4e00-\u9fff]/gu },
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
  let best: { lang: string; n: number } | null = null;
  for (const { lang, re } of scripts) {
    const n = text.match(re)?.length ?? 0;
    if (n >= MIN_SCRIPT_CHARS && (!best || n > best.n)) best = { lang, n };
  }
  const latin = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  // Han without kana could be Chinese or Japanese kanji only; the kana rule already caught Japanese
  if (best && best.n >= latin * 0.5) return best.lang;

  const hits = new Map<string, number>();
  for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) {
    for (const lang of lexicon.get(word) ?? []) hits.set(lang, (hits.get(lang) ?? 0) + 1);
  }
  const ranked = [...hits.entries()].sort((a, b) => b[1] - a[1]);
  const [top, second] = ranked;
  if (!top || top[1] < MIN_WORD_HITS) return null;
  if (second && top[1] < second[1] * 2) return null;
  return top[0];
}
