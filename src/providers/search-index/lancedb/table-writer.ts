import type { Table } from '@lancedb/lancedb';
import { toArrowTable } from './arrow.js';
import type { Row } from './arrow.js';
import { ensureFtsIndex } from './maintenance.js';

/** Past this many remembered keys, fall back to merge-insert rather than hold more memory. */
const MAX_TRACKED_KEYS = 5_000_000;

/** What the writer knows while it is the table's only writer since the table was empty. */
interface AppendState {
  keys: Set<string>;
  version: number;
  /**
   * the documents' words its callers gave with every write (see `write`), or null once a write came
   * without them or rewrote a row (a rewritten document's old words would still count)
   */
  words: Set<string> | null;
}

/**
 * Writes rows by merge on `key`, so a creator written twice is updated, never duplicated.
 *
 * Merge-insert joins every batch against the whole key column, which makes a bulk load into a
 * big table quadratic. While this process is the table's only writer since it was empty, it knows
 * every key in it, so new keys are appended (plain add) and only repeats are merged. "Only
 * writer" is checked by version: when the table's version is not the one our last write left,
 * someone else wrote (or reset it) and we go back to merging everything.
 */
export class TableWriter {
  private appendOnly: AppendState | null = null;

  /**
   * `replaced`: rows that overwrote an existing row of the same key (the rest were new).
   * `words`: words of these rows' documents, as UpsertOptions.documentWords says; `documentWords`
   * returns their union while every write since the table was empty gave them.
   */
  async write(table: Table, rows: Row[], words?: readonly string[]): Promise<{ appended: number; merged: number; replaced: number }> {
    const schema = await table.schema();
    const state = await this.appendState(table);
    const fresh = state ? rows.filter((r) => !state.keys.has(r.creator.key)) : [];
    const repeat = state ? rows.filter((r) => state.keys.has(r.creator.key)) : rows;
    if (fresh.length > 0) await table.add(toArrowTable(schema, fresh));
    let replaced = 0;
    if (repeat.length > 0) {
      ({ numUpdatedRows: replaced } = await table.mergeInsert('key').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(toArrowTable(schema, repeat)));
    }
    await ensureFtsIndex(table);
    if (state) {
      for (const r of fresh) state.keys.add(r.creator.key);
      state.version = await table.version();
      if (words === undefined || replaced > 0) state.words = null;
      else if (state.words) for (const w of words) state.words.add(w);
      if (state.keys.size > MAX_TRACKED_KEYS) this.appendOnly = null;
    }
    return { appended: fresh.length, merged: repeat.length, replaced };
  }

  /**
   * The words of every document in `table`, when this writer wrote every row of it since it was
   * empty, nobody else wrote since, and each write gave its words; otherwise null.
   */
  async documentWords(table: Table): Promise<ReadonlySet<string> | null> {
    const state = this.appendOnly;
    if (!state?.words || state.version !== (await table.version())) return null;
    return state.words;
  }

  /** Forget what we know (after a reset, a compaction or any doubt). */
  forget(): void {
    this.appendOnly = null;
  }

  private async appendState(table: Table): Promise<AppendState | null> {
    const version = await table.version();
    if (this.appendOnly && this.appendOnly.version !== version) this.appendOnly = null;
    if (!this.appendOnly && (await table.countRows()) === 0) this.appendOnly = { keys: new Set(), version, words: new Set() };
    return this.appendOnly;
  }
}
