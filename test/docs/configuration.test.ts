import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { configFromEnv, DEFAULT_CONFIG } from '../../src/config.js';
import { registerServe } from '../../src/cli/serve.js';

const PAGE = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const CONFIG_SOURCE = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');

/** The rows of the page's "Every option" table: key, flag, env, default. */
const ROWS = PAGE.split('\n')
  .filter((line) => /^\| `[a-zA-Z]+` \|/.test(line))
  .map((line) => {
    const [key, flag, env, def] = line.split('|').slice(1, 5).map((cell) => cell.trim().replace(/^`|`$/g, ''));
    return { key: key!, flag: flag!, env: env!, def: def! };
  });

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The options `mypos-auth serve` accepts, as commander registered them (hidden ones included, and its --help). */
function serveFlags(): string[] {
  const program = new Command();
  registerServe(program);
  return program.commands.find((c) => c.name() === 'serve')!.options.map((o) => o.long!).concat('--help');
}

/** The environment variables configFromEnv reads, from its source. */
const envRead = sorted([...CONFIG_SOURCE.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));

describe('docs/configuration.md › the documented options are exactly the ones src/config.ts has', () => {
  it('every Config key has a row, and every row names a Config key', () => {
    expect(sorted(ROWS.map((r) => r.key))).toEqual(sorted(Object.keys(DEFAULT_CONFIG)));
    expect(ROWS.length, 'one row per key').toBe(Object.keys(DEFAULT_CONFIG).length);
  });

  it('every row states its key\'s default: the literal for numbers, booleans and strings, "none" when unset', () => {
    for (const { key, def } of ROWS) {
      const value = (DEFAULT_CONFIG as Record<string, unknown>)[key];
      if (value === undefined) expect(def, key).toBe('none');
      else if (typeof value !== 'object') expect(def, key).toBe(String(value));
    }
  });

  it('every environment variable configFromEnv reads is documented, and the page names no other', () => {
    expect(envRead.length).toBeGreaterThan(0);
    const named = [...PAGE.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)`/g)].map((m) => m[1]!);
    expect(sorted(named)).toEqual(envRead);
  });

  it('each env column sets its own key through configFromEnv', () => {
    const samples: Record<string, string> = { DATABASE_URL: 'sqlite:/tmp/x.db', HOST: '0.0.0.0', PORT: '9000', PRODUCTION_PORT: '9005',
      MYPOS_AUTH_SERVER_KEY: 'ab'.repeat(32), LOG_LEVEL: 'debug', MYPOS_AUTH_ACCESS_TOKEN_FORMAT: 'jwt' };
    for (const { key, env } of ROWS.filter((r) => r.env !== '')) {
      expect(samples[env], `a sample value for ${env}`).toBeDefined();
      expect(configFromEnv({ [env]: samples[env] }), `${env} → ${key}`).toHaveProperty(key);
    }
  });

  it('every flag of `serve` is documented, and every flag the page names exists', () => {
    const named = [...PAGE.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((m) => m[1]!);
    expect(sorted(named)).toEqual(sorted(serveFlags()));
  });

  it('a row\'s flag is a flag of `serve`', () => {
    const flags = new Set(serveFlags());
    for (const { key, flag } of ROWS.filter((r) => r.flag !== '')) expect(flags.has(flag), `${key}: ${flag}`).toBe(true);
  });
});
