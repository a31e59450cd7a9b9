import { loadConfig } from '../config.js';
import { createPool } from '../db/pool.js';
import { migrate, renderInitSql } from '../db/migrate.js';
import { parseCommandArgs } from './command.js';
import type { Command } from './command.js';

const command: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations under an advisory lock (safe to run from several processes).',
  usage: 'scout migrate [--print-init]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { 'print-init': { type: 'boolean' } }, false);
    if (values['print-init']) {
      process.stdout.write(await renderInitSql());
      return 0;
    }
    const config = loadConfig();
    const pool = createPool(config.database.url, 2);
    try {
      const applied = await migrate(pool);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      return 0;
    } finally {
      await pool.end();
    }
  },
};
export default command;
