import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { captureChildOutput } from '../log-safety/log-capture.js';

const run = promisify(execFile);
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs `mypos-auth ARGS` (the built CLI, as `npx mypos-auth` would) and returns stdout. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  return stdout;
}

/** A port free at the time of asking (for a listener that cannot take port 0, such as --metrics-port, where 0 means none). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  urls: { sandbox: string; production: string };
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/**
 * Starts `mypos-auth serve` on free ports and waits for its "listening" line. No metrics listener unless the
 * arguments ask for one (its default port, 9464, would be shared by every server of a parallel run). Its stdout and stderr also go
 * to the run's log directory, for the end-of-run log scan; suites pass `--log-level trace` so that scan sees
 * everything the server can write.
 */
export async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const metrics = args.includes('--metrics-port') ? [] : ['--metrics-port', '0'];
  const ports = args.includes('--port') ? [] : ['--sandbox-port', '0', '--production-port', '0'];
  const child = spawn(process.execPath, [CLI, 'serve', ...ports, ...metrics, ...args], {
    env: { ...process.env, ...env },
  });
  captureChildOutput(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const urls = await new Promise<ServeProcess['urls']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /listening: sandbox (\S+), production (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ sandbox: m[1]!.replace(/,$/, ''), production: m[2]! });
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => reject(new Error(`serve exited early:\n${out}`)));
  });
  return { child, urls, output: () => out, exited };
}
