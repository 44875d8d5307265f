import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The official myPOS JavaScript SDK (github.com/developermypos/mypos-js), unmodified, from the clients folder
 * beside the repository (`../shared/clients`; MYPOS_SHARED_CLIENTS_DIR names another place, for a checkout
 * that has no such sibling). Its README there says what a test may do: unpack the archive into a temporary
 * folder, put the lockfile beside its package.json, `npm ci --omit=dev`, and rewrite its two sandbox origins.
 */
export const TARBALL = 'mypos-js-b257fc0.tar.gz';
export const LOCKFILE = 'mypos-js-package-lock.json';

export function sharedClientsDir(): string | undefined {
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const dir = process.env.MYPOS_SHARED_CLIENTS_DIR ?? resolve(repoRoot, '..', 'shared', 'clients');
  return existsSync(join(dir, TARBALL)) && existsSync(join(dir, LOCKFILE)) ? dir : undefined;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The sha256 the clients README states for the archive, so a changed archive is noticed, not driven. */
export function statedSha256(clientsDir: string): string | undefined {
  return /sha256 ([0-9a-f]{64})/.exec(readFileSync(join(clientsDir, 'README.md'), 'utf8'))?.[1];
}

/**
 * The unpacked SDK with its dependencies installed, in a temporary folder named after the archive's and the
 * lockfile's sha256: installed once, reused by later runs (npm ci is most of the cost). Built in a staging
 * folder and renamed into place, so a run never sees a half-installed copy.
 */
export function installedSdk(clientsDir: string): { root: string; tarballSha256: string; cached: boolean } {
  const tarballSha256 = sha256(join(clientsDir, TARBALL));
  const root = join(tmpdir(), `mypos-js-sdk-${tarballSha256.slice(0, 16)}-${sha256(join(clientsDir, LOCKFILE)).slice(0, 16)}`, 'mypos-js');
  if (existsSync(join(root, '.installed'))) return { root, tarballSha256, cached: true };
  const staging = mkdtempSync(join(tmpdir(), 'mypos-js-sdk-staging-'));
  try {
    execFileSync('tar', ['-xzf', join(clientsDir, TARBALL), '-C', staging], { stdio: 'pipe' });
    const unpacked = join(staging, 'mypos-js');
    copyFileSync(join(clientsDir, LOCKFILE), join(unpacked, 'package-lock.json'));
    // No install scripts: none of its dependencies needs one, and a test should not run them.
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: unpacked, stdio: 'pipe' });
    writeFileSync(join(unpacked, '.installed'), tarballSha256);
    try {
      renameSync(staging, resolve(root, '..'));
    } catch {
      // Another run put it there first; theirs is as good.
      if (!existsSync(join(root, '.installed'))) throw new Error(`could not place the SDK at ${root}`);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { root, tarballSha256, cached: false };
}

export interface SdkRequest {
  method: string;
  /** The URL the SDK asked for (a myPOS sandbox URL). */
  url: string;
  status: number | undefined;
  contentType: string | undefined;
}

const SANDBOX_ORIGINS = ['https://sandbox-auth-api.mypos.com', 'https://sandbox-webhook-api.mypos.com'];

/**
 * Loads the SDK with its `request` function wrapped (through require.cache, before the SDK first requires
 * it): the two sandbox origins are rewritten to `target`, any other URL is refused. Every request is noted
 * with the status it got. Nothing else of the SDK is touched.
 */
export function loadSdk(root: string, target: string) {
  const sdkRequire = createRequire(join(root, 'package.json'));
  const requestPath = sdkRequire.resolve('request');
  const request = sdkRequire('request') as (options: { url: string; method: string }, cb: (err: unknown, res: { statusCode?: number } | undefined, body: unknown) => void) => unknown;
  const requests: SdkRequest[] = [];
  const wrapped = Object.assign((options: { url: string; method: string; headers?: Record<string, string> }, cb: (err: unknown, res: { statusCode?: number } | undefined, body: unknown) => void) => {
    const origin = SANDBOX_ORIGINS.find((o) => options.url.startsWith(`${o}/`));
    const seen: SdkRequest = { method: options.method, url: options.url, status: undefined, contentType: options.headers?.['Content-Type'] };
    requests.push(seen);
    if (!origin) return cb(new Error(`the test refuses ${options.url}: only the sandbox origins are rewritten`), undefined, undefined);
    return request({ ...options, url: target + options.url.slice(origin.length) }, (err: unknown, res: { statusCode?: number } | undefined, body: unknown) => {
      seen.status = res?.statusCode;
      cb(err, res, body);
    });
  }, request);
  sdkRequire.cache[requestPath]!.exports = wrapped;
  for (const key of Object.keys(sdkRequire.cache)) if (key.startsWith(root) && !key.includes('node_modules')) delete sdkRequire.cache[key];
  const createMypos = sdkRequire('./mypos.js') as (config: Record<string, unknown>) => MyposSdk;
  const WebHooksApiRequest = sdkRequire('./resources/abstract/webhooks-api-request.js') as WebHooksApiRequestClass;
  return { createMypos, WebHooksApiRequest, sdkRequire, requests };
}

type Callback = (result: unknown) => void;
export interface MyposSdk {
  token: { token: string; type: string; expiresIn: number; forHeader: string } | undefined;
  webhooks: {
    list(params: unknown, cb: Callback): void;
    details(id: string, cb: Callback): void;
    create(payloadUrl: unknown, secret: unknown, cb: Callback): void;
    update(id: string, payloadUrl: unknown, secret: unknown, isActive: unknown, cb: Callback): void;
    delete(id: string, cb: Callback): void;
    events: { list(params: unknown, cb: Callback): void };
    subscriptions: {
      list(params: unknown, cb: Callback): void;
      details(id: string, cb: Callback): void;
      create(webhookId: unknown, eventId: unknown, cb: Callback, filter?: unknown): void;
      delete(id: string, cb: Callback): void;
    };
  };
}
export type WebHooksApiRequestClass = new (mypos: MyposSdk, method: string, path: string, params?: unknown, data?: unknown) => { send(cb: Callback): void };
