// Builds the package twice from one source: ES modules into dist/esm, CommonJS into dist/cjs, each with its own
// declarations, so `import` and `require` both get code and types of their own module format. No source maps:
// the sources do not ship, and a map pointing at absent files only misleads a debugger.
// The build goes to a fresh folder that then replaces dist/ in two renames, so a process loading the package
// meanwhile (a server started from the workspace) never finds dist/ half-written or missing.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dist = join(root, 'dist');
const next = join(root, `dist.next-${process.pid}`);
const old = join(root, `dist.old-${process.pid}`);

rmSync(next, { recursive: true, force: true });
for (const [project, format] of [['tsconfig.json', 'esm'], ['tsconfig.cjs.json', 'cjs']]) {
  execFileSync(process.execPath, [tsc, '-p', project, '--outDir', join(next, format)], { cwd: root, stdio: 'inherit' });
}
// The package is "type": "module"; this marks dist/cjs as CommonJS for Node.js and for TypeScript alike.
writeFileSync(join(next, 'cjs', 'package.json'), '{\n  "type": "commonjs"\n}\n');
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
