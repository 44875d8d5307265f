import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/**
 * The layers of src/, top to bottom (DESIGN.md, "Folders depend downwards only"). A unit is a top-level folder
 * or a top-level file; a unit may import from a unit in a lower layer, never from its own layer or above.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'index.ts'],
  ['server.ts'],
  ['services.ts'],
  ['server-key.ts'],
  ['account', 'webhooks', 'jwt'],
  ['http'],
  ['core', 'config.ts'],
  ['storage'],
  ['event-loop.ts'],
];

/** The client SDK ships alone (`mypos-auth/client`): it imports nothing from the rest of src/. */
const ISLANDS = ['sdk'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative module a file names: static and type-only imports, re-exports, dynamic import(). */
function relativeImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((i) => i.fileName).filter((name) => name.startsWith('.'));
}

const unitOf = (path: string) => relative(SRC, path).split(/[\\/]/)[0]!;

function rankOf(unit: string): number {
  const rank = LAYERS.findIndex((layer) => layer.includes(unit));
  if (rank === -1) throw new Error(`src/${unit} is in no layer: add it to LAYERS (or ISLANDS) in this test`);
  return rank;
}

const edges = sourceFiles(SRC).flatMap((file) =>
  relativeImports(file).map((name) => ({
    from: relative(SRC, file),
    to: relative(SRC, resolve(dirname(file), name)).replace(/\.js$/, '.ts'),
    fromUnit: unitOf(file),
    toUnit: unitOf(resolve(dirname(file), name).replace(/\.js$/, '.ts')),
  })),
);

describe('source layout', () => {
  it('reads the imports of every file (the rule below checks something)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.some((e) => e.fromUnit === 'http' && e.toUnit === 'core')).toBe(true);
  });

  it('folders depend downwards only: cli → server → account/webhooks/jwt → http → core → storage', () => {
    const upward = edges
      .filter((e) => e.fromUnit !== e.toUnit && !ISLANDS.includes(e.toUnit) && !ISLANDS.includes(e.fromUnit))
      .filter((e) => rankOf(e.toUnit) <= rankOf(e.fromUnit))
      .map((e) => `src/${e.from} imports src/${e.to}`);
    expect(upward).toEqual([]);
  });

  it('the client SDK imports nothing from the server', () => {
    const leaks = edges.filter((e) => e.fromUnit === 'sdk' && e.toUnit !== 'sdk').map((e) => `src/${e.from} imports src/${e.to}`);
    expect(leaks).toEqual([]);
  });
});
