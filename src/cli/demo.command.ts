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
      const { loaded } = await loadDemoIndexIfEmpty(ctx);
      const count = await ctx.providers.index.count();
      console.error(loaded > 0 ? `[demo] loaded ${loaded} demo creators into the index` : `[demo] index has ${count} creators`);

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
