import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/account/return-to.js';
import { BACKENDS } from '../helpers/backends.js';
import { createTestServer, type TestServer } from '../helpers/test-server.js';
import { AccountAgent } from './agent.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Open-redirect payloads for return_to (RFC 9700 §4.11; OWASP unvalidated redirects): each must end on a
 * path of this origin. The first four are the ones an outside attack turned into `Location: //evil.com/x`:
 * the parser collapses dot segments after the old check had looked at the raw value.
 */
const ATTACKS = [
  '/..//evil.com/x',
  '/.//evil.com',
  '/%2e%2e//evil.com',
  '/%2E%2E//evil.com',
  '/.%2e//evil.com',
  '/a/../..//evil.com',
  '/x/%2e%2e/%2e%2e//evil.com',
  '//evil.com',
  '///evil.com',
  '/\\evil.com',
  '/\\\\evil.com',
  '\\\\evil.com',
  '/..\\evil.com',
  '/\t/evil.com',
  '/\n/evil.com',
  '/\r\n/evil.com',
  '/\u0000/evil.com',
  'https://evil.com/',
  'http:evil.com',
  'HTTPS://evil.com',
  ' /\t/evil.com',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'evil.com',
  '',
  '/' + 'a'.repeat(3000),
];

/** What a browser does with a Location header: it must stay on our origin and carry only a path. */
function expectLocalPath(location: unknown, payload: string): void {
  expect(typeof location, payload).toBe('string');
  const value = location as string;
  expect(value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\'), `${payload} → ${value}`).toBe(true);
  expect(/[\u0000-\u001f\u007f\\]/.test(value), `${payload} → ${value}`).toBe(false);
  expect(new URL(value, 'https://sandbox.test').origin, `${payload} → ${value}`).toBe('https://sandbox.test');
}

describe('account › return_to is checked after normalisation (RFC 9700 §4.11)', () => {
  it.each(ATTACKS.map((a) => [a]))('%j → a path of this origin', (payload) => {
    const result = safeReturnTo(payload);
    expectLocalPath(result, payload);
    expect(result).toBe('/account');
  });

  it.each([
    ['/account/sandbox', '/account/sandbox'],
    ['/oauth/authorize?client_id=abc&state=x#f', '/oauth/authorize?client_id=abc&state=x#f'],
    // Harmless dot segments are resolved, not refused: the result is what the browser would have fetched.
    ['/account/../oauth/authorize?x=1', '/oauth/authorize?x=1'],
    ['/./account/production', '/account/production'],
    // Encoded slashes and backslashes stay encoded: a browser does not decode them in a Location path.
    ['/%2F%2Fevil.com', '/%2F%2Fevil.com'],
    ['/%5Cevil.com', '/%5Cevil.com'],
  ])('%j → %j', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it('a value that is not a string falls back', () => {
    expect(safeReturnTo(['/x'])).toBe('/account');
    expect(safeReturnTo(undefined)).toBe('/account');
    expect(safeReturnTo(42)).toBe('/account');
  });
});

for (const backend of BACKENDS) {
  describe(`web account › no open redirect through return_to on login and sign-up (${backend.name})`, () => {
    let t: TestServer;
    let n = 0;
    const email = () => `redirect${++n}-${backend.name}@example.com`;
    beforeAll(async () => {
      t = await createTestServer({ backend, config: { signupsPerIp: 10_000 } });
    });
    afterAll(() => t.close());

    it('GET /account/login and /account/signup while signed in: every payload redirects to a local path', async () => {
      const a = new AccountAgent(t.app());
      await a.signup(email());
      for (const page of ['/account/login', '/account/signup']) {
        for (const payload of ATTACKS) {
          const res = await a.get(`${page}?return_to=${encodeURIComponent(payload)}`);
          expect(res.statusCode, `${page} ${payload}`).toBe(303);
          expectLocalPath(res.headers.location, payload);
        }
      }
    });

    it('the attack from outside: GET /account/login?return_to=%2F..%2F%2Fevil.com%2Fx → 303 /account', async () => {
      const a = new AccountAgent(t.app());
      await a.signup(email());
      const res = await a.get('/account/login?return_to=%2F..%2F%2Fevil.com%2Fx');
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/account');
    });

    it('POST /account/login and /account/signup: the dot-segment payloads end on /account', async () => {
      const e = email();
      await new AccountAgent(t.app()).signup(e);
      for (const payload of ATTACKS.slice(0, 7)) {
        const login = await new AccountAgent(t.app()).post('/account/login', { email: e, password: PASSWORD, return_to: payload });
        expect(login.statusCode, payload).toBe(303);
        expect(login.headers.location, payload).toBe('/account');
        const signup = await new AccountAgent(t.app()).post('/account/signup', { email: email(), password: PASSWORD, return_to: payload });
        expect(signup.statusCode, payload).toBe(303);
        expect(signup.headers.location, payload).toBe('/account');
      }
    });

    it('the login page does not carry a refused return_to into its form', async () => {
      const page = await new AccountAgent(t.app()).get(`/account/login?return_to=${encodeURIComponent('/.//evil.com')}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('evil.com');
    });
  });
}
