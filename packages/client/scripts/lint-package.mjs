// Lints the package as it ships: the packed tarball, not the working tree. publint checks package.json
// against the packed files (exports, types, files); Are the Types Wrong checks that every way of loading it
// (node10, node16 from CommonJS and from ESM, bundlers) resolves to code and types of one module format.
// Any message of either tool, suggestions included, fails the run.
// Usage: node scripts/lint-package.mjs [PACKAGE.tgz]   (without a tarball: npm pack, which builds first)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'mypos-auth-client-lint-'));
let failed = false;
try {
  let tarball = process.argv[2] && resolve(process.argv[2]);
  if (!tarball) {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: packageDir, stdio: ['ignore', 'ignore', 'inherit'] });
    tarball = join(scratch, readdirSync(scratch).find((f) => f.endsWith('.tgz')));
  }

  const bytes = readFileSync(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, level: 'suggestion', strict: true });
  for (const message of messages) console.error(`publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`);
  if (messages.length > 0) failed = true;
  else console.log('publint: no messages');

  // --no-definitely-typed: the package ships its own types; never look for @types elsewhere.
  const attwPackage = createRequire(import.meta.url).resolve('@arethetypeswrong/cli/package.json');
  const attw = join(dirname(attwPackage), JSON.parse(readFileSync(attwPackage, 'utf8')).bin.attw);
  const run = spawnSync(process.execPath, [attw, tarball, '--format', 'ascii', '--profile', 'strict', '--no-definitely-typed', '--no-emoji', '--no-color'], { encoding: 'utf8' });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  if (run.status !== 0) failed = true;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (failed) {
  console.error('lint-package: the packed package has problems (above)');
  process.exit(1);
}
