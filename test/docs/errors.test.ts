import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as accountErrors from '../../src/account/errors.js';
import { ApiError } from '../../src/core/api-error.js';
import * as oauthErrors from '../../src/core/errors.js';
import * as webhookErrors from '../../src/webhooks/errors.js';

/**
 * docs/errors.md is checked against the exported error classes both ways, as fastify checks its Errors.md: every
 * class has its `code` and status in its family's table, and every row is answered by some class.
 */
const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

const FAMILIES: Array<[heading: string, module: Record<string, unknown>]> = [
  ['OAuth errors', oauthErrors],
  ['Webhook API errors', webhookErrors],
  ['Web Account errors', accountErrors],
];

/** `code status` of every concrete error class a module exports (abstract bases have no code). */
function classRows(module: Record<string, unknown>): string[] {
  return Object.values(module)
    .filter((v): v is typeof ApiError => typeof v === 'function' && v.prototype instanceof ApiError)
    .filter((cls) => cls.code !== undefined)
    .map((cls) => `${cls.code} ${cls.status}`)
    .sort();
}

/** `code status` of every table row in the section under `## heading`. */
function docRows(heading: string): string[] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  expect(start, `docs/errors.md has a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
}

describe('docs/errors.md › the documented codes are the exported classes', () => {
  it.each(FAMILIES)('%s: every class has its row, every row its class', (heading, module) => {
    const classes = classRows(module);
    expect(classes.length).toBeGreaterThan(0);
    expect(docRows(heading)).toEqual(classes);
  });
});
