import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');
/** The client SDK, its own package (`@mypos-auth/client`), published without the server. */
const CLIENT_SRC = resolve(import.meta.dirname, '../packages/client/src');

/**
 * The layers of src/, top to bottom (DESIGN.md, "Folders depend downwards only"). A unit is a top-level folder
 * or a top-level file; a unit may import from a unit in a lower layer, never from its own layer or above.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'index.ts', 'client.ts'],
  ['server.ts'],
  ['services.ts'],
  ['server-key.ts'],
  ['account', 'webhooks', 'jwt'],
  ['http'],
  ['core', 'config.ts'],
  ['storage'],
  ['event-loop.ts'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file names: static and type-only imports, re-exports, dynamic import(). */
function imports(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((i) => i.fileName);
}

/** Every relative module a file names. */
function relativeImports(file: string): string[] {
  return imports(file).filter((name) => name.startsWith('.'));
}

const unitOf = (path: string) => relative(SRC, path).split(/[\\/]/)[0]!;

function rankOf(unit: string): number {
  const rank = LAYERS.findIndex((layer) => layer.includes(unit));
  if (rank === -1) throw new Error(`src/${unit} is in no layer: add it to LAYERS in this test`);
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
      .filter((e) => e.fromUnit !== e.toUnit)
      .filter((e) => rankOf(e.toUnit) <= rankOf(e.fromUnit))
      .map((e) => `src/${e.from} imports src/${e.to}`);
    expect(upward).toEqual([]);
  });

  it('the client SDK imports nothing from the server: only its own files and node: built-ins', () => {
    const files = sourceFiles(CLIENT_SRC);
    expect(files.length).toBeGreaterThan(5);
    const leaks = files.flatMap((file) =>
      imports(file)
        .filter((name) => (name.startsWith('.') ? relative(CLIENT_SRC, resolve(dirname(file), name)).startsWith('..') : !name.startsWith('node:')))
        .map((name) => `packages/client/src/${relative(CLIENT_SRC, file)} imports ${name}`),
    );
    expect(leaks).toEqual([]);
  });

  it('the server reaches the client SDK by its package name only, as it will once installed from a registry', () => {
    const reachesIn = sourceFiles(SRC).flatMap((file) =>
      relativeImports(file)
        .filter((name) => relative(SRC, resolve(dirname(file), name)).startsWith('..'))
        .map((name) => `src/${relative(SRC, file)} imports ${name}`),
    );
    expect(reachesIn).toEqual([]);
  });
});
