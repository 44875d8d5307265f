import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MYPOS_AUTH_HOSTS, resolveEndpoints, TokenClient } from '../../packages/client/src/index.js';
import { parseTokenResponse } from '../../packages/client/src/token-response.js';

describe('environments', () => {
  it.each([
    ['sandbox', 'https://sandbox-auth-api.mypos.com'],
    ['production', 'https://auth-api.mypos.com'],
  ] as const)('%s → the myPOS host %s', (env, host) => {
    expect(MYPOS_AUTH_HOSTS[env]).toBe(host);
    expect(resolveEndpoints(env)).toEqual({
      tokenUrl: `${host}/oauth/token`,
      revokeUrl: `${host}/oauth/revoke`,
      introspectUrl: `${host}/oauth/introspect`,
      authorizeUrl: `${host}/oauth/authorize`,
    });
  });

  it('a custom environment: other endpoints default to the token URL’s origin, explicit ones win', () => {
    expect(resolveEndpoints({ tokenUrl: 'http://127.0.0.1:8080/auth/oauth/token', revokeUrl: 'https://api.example/oauth/revoke' })).toEqual({
      tokenUrl: 'http://127.0.0.1:8080/auth/oauth/token',
      revokeUrl: 'https://api.example/oauth/revoke',
      introspectUrl: 'http://127.0.0.1:8080/oauth/introspect',
      authorizeUrl: 'http://127.0.0.1:8080/oauth/authorize',
    });
  });

  it.each([
    ['an unknown name', 'staging'],
    ['an inherited property name', 'toString'],
    ['a relative token URL', { tokenUrl: '/oauth/token' }],
    ['a non-http token URL', { tokenUrl: 'file:///etc/passwd' }],
    ['a bad revoke URL', { tokenUrl: 'https://a.example/oauth/token', revokeUrl: 'ftp://x' }],
    ['nothing', undefined],
  ])('%s → TypeError', (_name, env) => {
    expect(() => resolveEndpoints(env as never)).toThrow(TypeError);
  });
});

describe('TokenClient options', () => {
  const base = { clientId: 'A'.repeat(24), clientSecret: 'S'.repeat(48), environment: 'sandbox' as const };
  it.each([
    ['no clientId', { ...base, clientId: '' }],
    ['an empty secret', { ...base, clientSecret: '' }],
    ['an empty scope', { ...base, scope: ' ' }],
    ['a negative renewBeforeSeconds', { ...base, renewBeforeSeconds: -1 }],
    ['an unknown auth method', { ...base, clientAuthMethod: 'private_key_jwt' }],
    ['negative retries', { ...base, retry: { retries: -1 } }],
    ['a non-numeric backoff', { ...base, retry: { baseDelayMs: 'fast' } }],
    ['an infinite timeout', { ...base, timeoutMs: Infinity }],
  ])('%s → TypeError', (_name, options) => {
    expect(() => new TokenClient(options as never)).toThrow(TypeError);
  });

  it('scope given as a list is sent space-separated (RFC 6749 §3.3)', () => {
    expect(new TokenClient({ ...base, scope: ['webhooks', 'devices'] }).scope).toBe('webhooks devices');
  });
});

describe('token response parsing (RFC 6749 §5.1, §5.2)', () => {
  const res = (status: number, text: string) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, headers: new Headers(), text, json };
  };
  it.each([
    ['not JSON', 200, 'ok', 'ERR_OAUTH_INVALID_RESPONSE'],
    ['a JSON array', 200, '[]', 'ERR_OAUTH_INVALID_RESPONSE'],
    ['no access_token', 200, '{"token_type":"Bearer"}', 'ERR_OAUTH_INVALID_RESPONSE'],
    ['an empty access_token', 200, '{"access_token":"","token_type":"Bearer"}', 'ERR_OAUTH_INVALID_RESPONSE'],
    ['token_type MAC', 200, '{"access_token":"a","token_type":"MAC"}', 'ERR_OAUTH_INVALID_RESPONSE'],
    ['a negative expires_in', 200, '{"access_token":"a","token_type":"Bearer","expires_in":-1}', 'ERR_OAUTH_INVALID_RESPONSE'],
    ['a non-numeric expires_in', 200, '{"access_token":"a","token_type":"Bearer","expires_in":"soon"}', 'ERR_OAUTH_INVALID_RESPONSE'],
    ['an error field with status 200 (the myPOS SDK treats any error as failure)', 200, '{"error":"invalid_client"}', 'ERR_OAUTH_RESPONSE_ERROR'],
    ['an OAuth error body', 400, '{"error":"invalid_request","error_description":"x"}', 'ERR_OAUTH_RESPONSE_ERROR'],
    ['a 400 without an OAuth body', 400, 'Bad Request', 'ERR_OAUTH_UNEXPECTED_STATUS'],
    ['a 302', 302, '', 'ERR_OAUTH_UNEXPECTED_STATUS'],
  ])('%s → %s', (_name, status, text, code) => {
    expect(() => parseTokenResponse(res(status, text), 0)).toThrow(expect.objectContaining({ code }));
  });

  it('token_type is case-insensitive (RFC 6749 §7.1) and a numeric-string expires_in is read as a number', () => {
    expect(parseTokenResponse(res(200, '{"access_token":"a","token_type":"bearer","expires_in":"3600"}'), 0)).toEqual({
      access_token: 'a',
      token_type: 'bearer',
      expires_in: 3600,
    });
  });
});

describe('package boundary: @mypos-auth/client, and mypos-auth/client re-exporting it', () => {
  const sdkDir = join(import.meta.dirname, '../../packages/client/src');

  it('imports nothing outside packages/client/src but node:crypto (zero runtime dependencies, no server code)', () => {
    for (const file of readdirSync(sdkDir)) {
      const source = readFileSync(join(sdkDir, file), 'utf8');
      for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        expect([file, spec?.startsWith('./') || spec === 'node:crypto']).toEqual([file, true]);
        expect(spec).not.toMatch(/\.\./);
      }
    }
  });

  it('the server package still resolves mypos-auth/client, to the very classes of @mypos-auth/client', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const [a, b] = await Promise.all([import('mypos-auth/client'), import('@mypos-auth/client')]); " +
          'console.log(JSON.stringify({ names: Object.keys(a).sort(), same: Object.keys(b).sort().every((k) => a[k] === b[k]) && Object.keys(a).length === Object.keys(b).length }))',
      ],
      { cwd: join(import.meta.dirname, '../..'), encoding: 'utf8' },
    );
    const { names, same } = JSON.parse(out) as { names: string[]; same: boolean };
    expect(names).toEqual(expect.arrayContaining(['TokenClient', 'OAuthRequestError', 'verifyWebhookSignature', 'AccessTokenVerifier', 'createCodeVerifier']));
    // One module behind both names: `err instanceof OAuthRequestError` holds whichever name the error came through.
    expect(same).toBe(true);
  });

  it('the package root and mypos-auth/client export no name in common, so an imported OAuthError means one class', () => {
    const script = "const [s, c] = await Promise.all([import('mypos-auth'), import('mypos-auth/client')]); console.log(JSON.stringify([Object.keys(s), Object.keys(c)]))";
    const [server, client] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '../..'), encoding: 'utf8' })) as [string[], string[]];
    expect(server).toContain('OAuthError');
    expect(client).toContain('OAuthRequestError');
    expect(server.filter((name) => client.includes(name))).toEqual([]);
  });
});
