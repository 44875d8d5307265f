// `npm ci` runs this. A development install builds dist/ with TypeScript; a production install
// (`npm ci --omit=dev`) has no compiler, so it needs a dist/ built before, and says so if there is none.
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
} else if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  console.error(
    'mypos-auth: this is a production install (no TypeScript) and dist/ is not built.\n' +
      'Build first, then prune:  npm ci && npm prune --omit=dev   (docs/operations.md, "Production install")',
  );
  process.exit(1);
}
