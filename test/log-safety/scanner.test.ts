import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newClientSecret, newOpaqueToken } from '../../src/core/random.js';
import { ExactValueIndex } from './exact-values.js';
import { LOGS, VALUES } from './run-dir.js';
import { scanRunDir, scanText } from './scanner.js';

const SECRET = newClientSecret();
const TOKEN = newOpaqueToken();
const PASSWORD = 'correct horse battery staple';
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';
const BASIC = 'Basic ' + Buffer.from(`${'C'.repeat(24)}:${SECRET}`).toString('base64');
const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 30, service: 'mypos-auth', ...fields, msg: 'request' });
const none = new ExactValueIndex([]);

describe('log scan › a planted credential is reported, with the value masked', () => {
  // Each row: a log line a careless change could write, and the rule that must catch it.
  const planted: Array<[string, string, RegExp]> = [
    ['a Basic Authorization header in a header dump', line({ headers: { 'x-original-authorization': BASIC } }), /Basic credentials/],
    ['a Bearer header in a message', `upstream said no to Bearer ${TOKEN}`, /Bearer token/],
    ['a Bearer JWT in a message', `call failed for Bearer ${JWT}`, /Bearer token/],
    ['a client secret in an error message', line({ err: { message: `client secret ${SECRET} did not match` } }), /client secret shape/],
    ['an access token', line({ issued: TOKEN }), /42 alphanumerics/],
    ['a refresh token at the end of a stack-trace line', `Error: refresh failed for ${TOKEN}`, /42 alphanumerics/],
    ['a JWT access token', line({ value: JWT }), /JWT/],
    ['a query string kept in a URL', line({ url: '/oauth/authorize?client_id=x&code_verifier=abc-def' }), /credential parameter/],
    ['a form body', `body: grant_type=password&password=hunter2hunter2`, /credential parameter/],
    ['an authorization field not censored', line({ req: { headers: { authorization: 'Basic !!' } } }), /credential field "authorization"/],
    ['a cookie header', line({ req: { headers: { cookie: 'mypos_session=abc' } } }), /credential field "cookie"/],
    ['a password field', line({ body: { password: 'pw' } }), /credential field "password"/],
    ['a code_verifier field', line({ code_verifier: 'v'.repeat(43) }), /credential field "code_verifier"/],
    ['a raw request dump in a message', line({ err: { message: `bad request: POST / HTTP/1.1\r\nAuthorization: Basic !x` } }), /Authorization header line/],
    ['raw request bytes logged as a Buffer (Node\'s rawPacket)', JSON.stringify({ err: { rawPacket: Buffer.from(`POST / HTTP/1.1\r\nAuthorization: Basic AAAA\r\n`) } }), /Authorization header line, in logged bytes/],
  ];
  it.each(planted)('%s', (_name, text, rule) => {
    const { findings } = scanText('planted.log', text, none);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.rule).toMatch(rule);
    expect(findings[0]!.line).toBe(1);
    for (const value of [SECRET, TOKEN, JWT, BASIC.slice(6)]) expect(findings[0]!.excerpt).not.toContain(value);
    expect(findings[0]!.excerpt).toContain('chars masked]');
  });

  it('an exact value a test used is found even where no shape rule would see it, also JSON-escaped', () => {
    const exact = new ExactValueIndex([{ kind: 'request field password', value: PASSWORD }, { kind: 'cookie', value: 'sess"ion\\id-1234' }]);
    const text = [line({ note: `tried ${PASSWORD}` }), line({ ok: true }), line({ id: 'sess"ion\\id-1234' })].join('\n');
    const { findings } = scanText('planted.log', text, exact);
    expect(findings.map((f) => [f.line, f.rule])).toEqual([
      [1, 'exact request field password a test used'],
      [3, 'exact cookie a test used'],
    ]);
    expect(findings[0]!.excerpt).not.toContain(PASSWORD);
  });

  it('an exact value inside logged bytes is found, and the byte list masked', () => {
    const exact = new ExactValueIndex([{ kind: 'request field password', value: PASSWORD }]);
    const text = JSON.stringify({ err: { rawPacket: Buffer.from(`password: ${PASSWORD}`) } });
    const { findings } = scanText('planted.log', text, exact);
    expect(findings.map((f) => f.rule)).toEqual(['exact request field password a test used, in logged bytes']);
    expect(findings[0]!.excerpt).not.toContain([...Buffer.from(PASSWORD)].join(','));
  });
});

describe('log scan › clean logs pass', () => {
  it('the lines the server really writes, redacted fields and ids of other lengths pass', () => {
    const text = [
      line({ environment: 'sandbox', reqId: 'req-1', method: 'POST', path: '/oauth/token', status: 200, ms: 3 }),
      line({ req: { headers: { authorization: '[redacted]' } }, password: '[redacted]', token: '[redacted]' }),
      line({ client: 'C'.repeat(24), hash: 'ab'.repeat(32), webhook: 'a'.repeat(41), err: { code: 'SQLITE_BUSY', message: 'database is locked' } }),
      'WWW-Authenticate: Basic realm="mypos-auth", Bearer realm="api", error="invalid_token"',
      line({ err: { rawPacket: '[redacted] 17467 bytes', note: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n') } }),
      'Basic authentication failed; a Bearer token was expected',
      `mypos-auth listening: sandbox http://127.0.0.1:8080, production http://127.0.0.1:8081`,
    ].join('\n');
    expect(scanText('clean.log', text, new ExactValueIndex([{ kind: 'password', value: PASSWORD }])).findings).toEqual([]);
  });

  it('the shown-once demo client banner of `serve --demo-client` is skipped, and only its two secret lines', () => {
    const id = 'C'.repeat(24);
    const banner = [
      'Created a demo sandbox client (shown once):',
      `  Client ID:     ${id}`,
      `  Client Secret: ${SECRET}`,
      `    -H "Authorization: Basic $(printf '%s' '${id}:${SECRET}' | base64 | tr -d '\\n')" \\`,
    ];
    expect(scanText('serve.stdout.log', banner.join('\n'), none)).toMatchObject({ lines: 4, deliberate: 2, findings: [] });
    expect(scanText('serve.stdout.log', `note: ${SECRET}`, none).findings).toHaveLength(1);
  });
});

describe('log scan › a run directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-scan-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every log file and every recorded value, and names the file and line of a leak', () => {
    mkdirSync(join(dir, LOGS));
    mkdirSync(join(dir, VALUES));
    writeFileSync(join(dir, LOGS, 'a.inprocess.log'), line({ ok: 1 }) + '\n' + line({ ok: 2 }) + '\n');
    writeFileSync(join(dir, LOGS, 'b.serve-1.stderr.log'), `boom\nlogin failed for ${PASSWORD}\n`);
    writeFileSync(join(dir, VALUES, '1.jsonl'), JSON.stringify({ kind: 'request field password', value: PASSWORD }) + '\n');
    const report = scanRunDir(dir);
    expect(report).toMatchObject({ files: 2, lines: 4, values: 1 });
    expect(report.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['b.serve-1.stderr.log:2']);
  });
});
