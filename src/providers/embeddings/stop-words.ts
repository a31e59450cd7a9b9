/**
 * Function words that say nothing about a creator's niche. Without IDF weighting they would
 * dominate short captions, so the hashing embedder drops them. English plus the most common
 * Spanish, Portuguese, French, Italian and German ones, because captions are multilingual.
 */
const words = `
a about above after again all also am an and any are as at be been before being below between both but by
can could did do does doing done down during each even ever every few for from further get got had has have
having he her here hers him his how i if in into is it its itself just let like me more most much my no nor
not now of off on once only or other our ours out over own really same she should so some still such than
that the their theirs them then there these they this those through to too under until up upon us very was
we were what when where which while who whom why will with would yet you your yours im ive youre dont cant
thats its amp via
el la los las un una unos unas de del y o que en con por para es su sus al lo se como mas pero muy ya
os as um uma do da dos das e em no na nos nas com por para mais mas muito meu minha seu sua
le les des du et ou en au aux ce cette ces est sont pour par sur dans avec une pas plus mon ma mes ton ta
il lo gli di da dei della che con per non una sono nel nella
der die das und ist nicht ein eine mit auf für von zu den dem im sich auch
`;

export const stopWords: ReadonlySet<string> = new Set(words.split(/\s+/).filter((w) => w.length > 0));
