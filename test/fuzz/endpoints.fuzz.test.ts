import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClientAuth } from '../../src/core/client-auth-parser.js';
import { OAuthError } from '../../src/core/errors.js';
import { parseForm, parseJsonObject } from '../../src/http/body-parsers.js';
import { grantedScope } from '../../src/core/scope.js';
import { basic, createTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Property-based tests of every parser and endpoint: for random and mutated input, never a 5xx, never an
 * exception escaping, always an RFC 6749 §5.2 error body, and no state change from a rejected request.
 * FUZZ_RUNS raises the count for a long run on demand (`FUZZ_RUNS=20000 npx vitest run test/fuzz`).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const KNOWN_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'temporarily_unavailable']);

const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.base64String({ maxLength: 120 }).map((s) => `Basic ${s}`),
  fc.tuple(fc.string({ maxLength: 40 }), fc.constantFrom(':', ';', '', '::', ';:'), fc.string({ maxLength: 60 })).map(([a, s, b]) => 'Basic ' + Buffer.from(a + s + b).toString('base64')),
  fc.constantFrom('Basic', 'Basic ', 'basic ===', 'Bearer x', 'Basic Zm9v!', 'Basic %%%'),
).filter((v) => /^[\t\x20-\x7e]*$/.test(v) && v.trim() === v);

const formBody = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(fc.tuple(fc.constantFrom('grant_type', 'scope', 'client_id', 'client_secret', 'code', 'refresh_token', 'redirect_uri', 'code_verifier', 'token', 'x'), fc.string({ maxLength: 50 })), { maxLength: 8 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')),
  fc.constantFrom('grant_type=client_credentials', 'grant_type=client_credentials&scope=webhooks', 'token=abc', '%', '&&&=', '=', 'a=%zz'),
);

describe('fuzz › pure parsers never throw anything but an OAuth error', () => {
  it('parseClientAuth', () => {
    fc.assert(
      fc.property(fc.option(headerValue, { nil: undefined }), fc.option(fc.string(), { nil: undefined }), fc.option(fc.string(), { nil: undefined }), (h, id, secret) => {
        try {
          parseClientAuth(h, { client_id: id, client_secret: secret });
        } catch (e) {
          expect(e).toBeInstanceOf(OAuthError);
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('parseForm keeps the first value, lists duplicates, and has no prototype', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (body) => {
        const p = parseForm(body);
        expect(Object.getPrototypeOf(p.fields)).toBeNull();
        for (const v of Object.values(p.fields)) expect(typeof v).toBe('string');
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('parseJsonObject accepts only objects and never pollutes prototypes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (body) => {
        try {
          const p = parseJsonObject(body);
          expect(p.kind).toBe('json');
        } catch (e) {
          expect(e).toBeInstanceOf(OAuthError);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS * 10 },
    );
    parseJsonObject('{"__proto__":{"polluted":1}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('grantedScope returns a subset of the allowed scopes or throws invalid_scope', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 60 }), { nil: undefined }), (s) => {
        try {
          const out = grantedScope(s, ['webhooks', 'devices']);
          for (const x of out) expect(['webhooks', 'devices']).toContain(x);
        } catch (e) {
          expect((e as OAuthError).code).toBe('invalid_scope');
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });
});

describe('fuzz › endpoints answer every random request with an RFC error, never a 5xx, and change nothing', () => {
  let t: TestServer;
  let c: { id: string; secret: string };
  let liveToken: string;
  const tokenCount = async () => (await t.store.tokens.countActiveByClient(c.id, t.clock.now()));

  beforeAll(async () => {
    t = await createTestServer({ config: { clientFailuresPerMinute: 1_000_000, ipFailuresPerMinute: 1_000_000 } });
    c = await t.client();
    liveToken = (await t.app().inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.id, c.secret) } })).json().access_token;
  });
  afterAll(() => t.close());

  for (const url of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
    it(`${url}: random headers, media types and bodies`, async () => {
      const before = await tokenCount();
      await fc.assert(
        fc.asyncProperty(
          fc.option(headerValue, { nil: undefined }),
          fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '', 'application/x-www-form-urlencoded; charset=latin1'),
          formBody,
          fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH'),
          async (authorization, contentType, body, method) => {
            const headers: Record<string, string> = {};
            if (authorization !== undefined) headers.authorization = authorization;
            if (contentType) headers['content-type'] = contentType;
            const res = await t.app().inject({ method: method as 'POST', url, payload: method === 'GET' ? undefined : body, headers });
            expect(res.statusCode).toBeLessThan(500);
            expect(res.headers['cache-control']).toBe('no-store');
            if (res.statusCode >= 400) {
              const err = res.json();
              expect(KNOWN_ERRORS.has(err.error)).toBe(true);
              expect(Object.keys(err).every((k) => k === 'error' || k === 'error_description')).toBe(true);
            }
          },
        ),
        { numRuns: RUNS },
      );
      // Random requests without the real secret can neither mint nor revoke: the live token is untouched.
      expect(await tokenCount()).toBe(before);
      const intro = await t.app().inject({ method: 'POST', url: '/oauth/introspect', payload: `token=${liveToken}`, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.id, c.secret) } });
      expect(intro.json().active).toBe(true);
    });
  }

  it('/oauth/token: valid credentials with random parameters never issue beyond the client\'s scope and never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(formBody, async (body) => {
        const res = await t.app().inject({ method: 'POST', url: '/oauth/token', payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.id, c.secret) } });
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode === 200) {
          for (const s of (res.json().scope as string).split(' ')) expect(['webhooks', 'transactions', 'devices']).toContain(s);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
