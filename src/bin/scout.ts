import { explainOperatorError } from '../app/operator-error.js';
import { ConfigError } from '../config.js';
import { UsageError } from '../cli/command.js';
import type { Command } from '../cli/command.js';

/** Sub-commands, each in src/cli/<name>.command.ts, loaded on demand so `scout --help` stays fast. */
const commands: Record<string, string> = {
  migrate: 'apply database migrations (or print sql/init.sql)',
  keys: 'create, list and revoke API keys',
  import: 'import creators from a CSV/JSONL file into the index',
  index: 'show what the creator index holds, or remove creators by source or handle',
  run: 'run a brief through the pipeline and watch it',
  demo: 'load the demo creator index (if empty) and print a dev API key',
  eval: 'measure search quality on labelled data',
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'usage: scout <command> [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'Run `scout <command> --help` for a command\'s options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  if (!Object.hasOwn(commands, name)) {
    console.error(`scout: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const mod = (await import(`../cli/${name}.command.js`)) as { default: Command };
  const command = mod.default;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nusage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`scout ${name}: ${err.message}\nusage: ${command.usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 78;
    }
    const explained = explainOperatorError(err);
    if (explained !== null) {
      console.error(`scout ${name}: ${explained}`);
      return 1;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
