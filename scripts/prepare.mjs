// `npm ci` runs this. A development install builds dist/ (and the client SDK's packages/client/dist/) with
// TypeScript; a production install (`npm ci --omit=dev`) has no compiler, so it needs both built before, and
// says so if either is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let haveTypeScript = true;
try {
  require.resolve('typescript/package.json');
} catch {
  haveTypeScript = false;
}

if (haveTypeScript) {
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { stdio: 'inherit' });
} else if (!['../dist/cli/main.js', '../packages/client/dist/esm/index.js'].every((built) => existsSync(new URL(built, import.meta.url)))) {
  console.error(
    'mypos-auth: this is a production install (no TypeScript) and dist/ or packages/client/dist/ is not built.\n' +
      'Build first, then prune:  npm ci && npm prune --omit=dev   (docs/operations.md, "Production install")',
  );
  process.exit(1);
}
