import { readFile, writeFile } from 'node:fs/promises';
import { createContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { loadConfig } from '../config.js';
import { loadDemoIndexIfEmpty } from '../import/demo.js';
import { authenticateApiKey, createApiKey } from '../services/api-keys.service.js';
import { parseCommandArgs } from './command.js';
import type { Command } from './command.js';

/**
 * Development bootstrap used by `npm start`: fills an empty index with the project's own demo
 * creators and makes sure a working dev API key exists (reused across restarts via --key-file).
 */
const command: Command = {
  name: 'demo',
  summary: 'Load the demo creator index when the index is empty and print a working development API key.',
  usage: 'scout demo [--key-file PATH]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { 'key-file': { type: 'string' } }, false);
    const config = loadConfig();
    const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn', { role: 'cli' }) });
    try {
      const { loaded, skipped } = await loadDemoIndexIfEmpty(ctx);
      const count = await ctx.providers.index.count();
      if (loaded > 0) console.error(`[demo] loaded ${loaded} demo creators (source "demo") into the empty index; the first real import removes them`);
      else if (skipped === 'held_real_data' && count === 0) {
        console.error('[demo] the index is empty but has held real data, so the demo is not loaded again; import creators with `scout import FILE`');
      } else console.error(`[demo] index has ${count} creators`);

      const file = values['key-file'];
      let key = file ? (await readFile(file, 'utf8').catch(() => '')).trim() : '';
      if (!key || !(await authenticateApiKey(ctx.repos.apiKeys, key)).ok) {
        const created = await createApiKey(ctx.repos.apiKeys, { name: 'dev' });
        key = created.key;
        if (file) await writeFile(file, key, { mode: 0o600 });
        console.error(`[demo] created development API key ${created.row.id}`);
      }
      console.log(key);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
export default command;
