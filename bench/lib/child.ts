import { spawn } from 'node:child_process';
import { repoRoot } from './results.js';

/** Runs a TypeScript script in a separate Node process and parses the last JSON line it prints. */
export async function runJsonChild<T>(script: string, args: string[], opts: { env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<T> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`${script} exited with ${code}: ${out.slice(-2000)}`);
  return JSON.parse(last) as T;
}

/** The child side of runJsonChild: runs `main`, prints its result as one JSON line, exits 0 (1 on failure). */
export function replyJson<T>(main: () => Promise<T>): void {
  main()
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
