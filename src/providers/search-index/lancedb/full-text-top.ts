/** What the search reads of a LanceDB result: its row count and columns by name. */
export type ArrowRows = { numRows: number; getChild(name: string): { get(i: number): unknown } | null };

/**
 * How far past the cut a full-text read goes at first, as a share of the depth wanted (at least
 * TIE_MARGIN_MIN rows): enough for the ties at the cut of most queries, so few need a second read.
 * Measured (bench:search's 40 queries at 23k, 14 briefs at 500k and 1M): the tie at the cut ran on
 * for 0 rows in most reads, 1–5 at 23k (depth 50–100), up to 16 at 500k–1M (depth 600). An extra
 * row cost ~0.04 ms at 23k while the one-query plan read every row's payload (~25 % more rows
 * cost ~1 ms); the reads take keys, scores and row ids only now.
 */
const TIE_MARGIN_SHARE = 0.1;
const TIE_MARGIN_MIN = 8;
/** The most rows a read goes to, as a multiple of the depth wanted, while a tie at the cut goes on. */
const TIE_READ_MAX_FACTOR = 8;

/**
 * A full-text query's top `depth` rows (by `_score`), the same on every run: equal scores ordered by
 * key, and the rows tied at the cut chosen by key too. LanceDB returns rows of equal BM25 score in
 * whatever order its threads found them and keeps an arbitrary part of a tie at its limit, and such
 * ties are common (creator documents of one length that use a word equally often): at 23k creators
 * the same brief's 150 search candidates came out in up to 15 different orders in 15 searches.
 *
 * `read(n)` runs the query with limit n. The first read goes TIE_MARGIN_SHARE past the cut; when
 * the last row it returned still ties with the row at the cut (rows beyond it may tie too), the read
 * is repeated twice as deep, up to TIE_READ_MAX_FACTOR × `depth` (a tie longer than that is cut where
 * LanceDB's read ended: still ordered, but which of its rows make it is LanceDB's choice again).
 */
export async function repeatableTop(read: (n: number) => Promise<ArrowRows>, depth: number): Promise<ArrowRows> {
  const max = depth * TIE_READ_MAX_FACTOR;
  let n = Math.min(max, depth + Math.max(TIE_MARGIN_MIN, Math.ceil(depth * TIE_MARGIN_SHARE)));
  for (;;) {
    const rows = await read(n);
    // an empty result may come without its columns
    if (rows.numRows === 0) return rows;
    const keyCol = rows.getChild('key');
    const scoreCol = rows.getChild('_score');
    if (!keyCol || !scoreCol) throw new Error('a full-text read must select key and _score');
    const keys: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i < rows.numRows; i++) {
      keys.push(keyCol.get(i) as string);
      scores.push(Number(scoreCol.get(i)));
    }
    const order = keys.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    // every row there is was read, or the cut's score is above the lowest read (so above every unread row)
    const whole = rows.numRows < n || rows.numRows <= depth || scores[order[depth - 1]!]! > scores[order[rows.numRows - 1]!]!;
    if (whole || n >= max) return pickRows(rows, order.slice(0, depth));
    n = Math.min(max, n * 2);
  }
}

/** `rows` as the rows `order` names, in that order (a view: nothing is copied). */
function pickRows(rows: ArrowRows, order: number[]): ArrowRows {
  return {
    numRows: order.length,
    getChild(name) {
      const col = rows.getChild(name);
      return col && { get: (i: number) => col.get(order[i]!) };
    },
  };
}
