import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeChallengeS256, createCodeVerifier, OAuthRequestError, TokenClient } from '../../packages/client/src/index.js';
import { startPeer, startSocketServer, type Peer, type SocketServer } from './socket-server.js';

const ID = 'A'.repeat(24);
const SECRET = 'S'.repeat(48);

describe('PKCE helpers (RFC 7636)', () => {
  it('RFC 7636 App. B: the S256 challenge of the spec’s example verifier', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('RFC 7636 §4.1: a fresh verifier is 43 unreserved characters, different every time', () => {
    const a = createCodeVerifier();
    expect(a).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
    expect(createCodeVerifier()).not.toBe(a);
  });

  it.each([
    ['42 characters', 'a'.repeat(42)],
    ['129 characters', 'a'.repeat(129)],
    ['a character outside the unreserved set', 'a'.repeat(42) + '+'],
    ['a space', 'a'.repeat(42) + ' '],
  ])('RFC 7636 §4.1: a verifier with %s is refused', (_name, verifier) => {
    expect(() => codeChallengeS256(verifier)).toThrow(TypeError);
  });
});

describe('authorizationCode › building the authorize URL', () => {
  const client = new TokenClient({ clientId: ID, clientSecret: SECRET, environment: 'sandbox', scope: 'webhooks' });

  it('RFC 6749 §4.1.1 + RFC 7636 §4.3: response_type=code, client_id, redirect_uri, scope, state, S256 challenge', () => {
    const req = client.authorizationCode.authorizationUrl({ redirectUri: 'https://merchant.example/cb' });
    const url = new URL(req.url);
    expect(url.origin + url.pathname).toBe('https://sandbox-auth-api.mypos.com/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: ID,
      redirect_uri: 'https://merchant.example/cb',
      scope: 'webhooks',
      state: req.state,
      code_challenge: createHash('sha256').update(req.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(req.state).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(req.redirectUri).toBe('https://merchant.example/cb');
  });

  it('RFC 6749 §10.12: every request gets its own state and verifier', () => {
    const a = client.authorizationCode.authorizationUrl({ redirectUri: 'https://merchant.example/cb' });
    const b = client.authorizationCode.authorizationUrl({ redirectUri: 'https://merchant.example/cb' });
    expect(a.state).not.toBe(b.state);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
  });

  it('given state, verifier and scope are used as given; the URL never carries the secret', () => {
    const verifier = 'v'.repeat(64);
    const req = client.authorizationCode.authorizationUrl({ redirectUri: 'https://m.example/cb', state: 'st', codeVerifier: verifier, scope: ['webhooks', 'devices'] });
    const url = new URL(req.url);
    expect(url.searchParams.get('state')).toBe('st');
    expect(url.searchParams.get('scope')).toBe('webhooks devices');
    expect(url.searchParams.get('code_challenge')).toBe(codeChallengeS256(verifier));
    expect(req.url).not.toContain(SECRET);
  });
});

describe('authorizationCode › the callback', () => {
  const flow = new TokenClient({ clientId: ID, clientSecret: SECRET, environment: 'sandbox' }).authorizationCode;
  it.each([
    ['another state', 'https://m.example/cb?code=c&state=evil', 'ERR_OAUTH_STATE_MISMATCH', 'state_mismatch'],
    ['no state', 'https://m.example/cb?code=c', 'ERR_OAUTH_STATE_MISMATCH', 'state_mismatch'],
    ['an error (RFC 6749 §4.1.2.1)', 'https://m.example/cb?error=access_denied&error_description=No&state=s1', 'ERR_OAUTH_AUTHORIZATION_DENIED', 'access_denied'],
    ['no code', 'https://m.example/cb?state=s1', 'ERR_OAUTH_INVALID_RESPONSE', 'invalid_response'],
  ])('a callback with %s → %s', (_name, url, code, error) => {
    const err = (() => {
      try {
        flow.parseCallback(url, 's1');
      } catch (e) {
        return e as OAuthRequestError;
      }
      throw new Error('no error');
    })();
    expect({ code: err.code, error: err.error }).toEqual({ code, error });
  });

  it('the state is checked before the error is believed (a forged error redirect is a state mismatch)', () => {
    expect(() => flow.parseCallback('https://m.example/cb?error=access_denied&state=forged', 's1')).toThrow(
      expect.objectContaining({ code: 'ERR_OAUTH_STATE_MISMATCH' }),
    );
  });

  it('a good callback → the code', () => {
    expect(flow.parseCallback('https://m.example/cb?code=abc&state=s1&iss=x', 's1')).toBe('abc');
  });
});

describe('authorizationCode › exchange and refresh on the wire', () => {
  let peer: Peer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  /** A token endpoint peer that records requests and answers as an RFC 6749 §5.1 server would. */
  async function tokenEndpoint(answers: Array<[number, object]>) {
    peer = await startPeer((_req, _body, res, i) => {
      const [status, body] = answers[Math.min(i, answers.length - 1)] ?? [500, {}];
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    });
    const delays: number[] = [];
    const client = new TokenClient({
      clientId: ID,
      clientSecret: SECRET,
      environment: { tokenUrl: `${peer.url}/oauth/token` },
      sleep: async (ms) => void delays.push(ms),
    });
    return { peer, client, delays };
  }
  const ok = { access_token: 'at1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt1', scope: 'webhooks' };

  it('RFC 6749 §4.1.3 + RFC 7636 §4.5: exchange sends the code, redirect_uri and verifier with Basic client auth', async () => {
    const { peer, client } = await tokenEndpoint([[200, ok]]);
    const req = client.authorizationCode.authorizationUrl({ redirectUri: 'https://m.example/cb' });
    const tokens = await client.authorizationCode.exchange({ code: 'the-code', redirectUri: req.redirectUri, codeVerifier: req.codeVerifier });
    expect(tokens).toEqual(ok);
    const sent = peer.requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/oauth/token');
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent?.headers.authorization).toBe('Basic ' + Buffer.from(`${ID}:${SECRET}`).toString('base64'));
    expect(Object.fromEntries(new URLSearchParams(sent?.body))).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'https://m.example/cb',
      code_verifier: req.codeVerifier,
    });
  });

  it('RFC 6749 §6: refresh sends the refresh token and an optional narrower scope', async () => {
    const { peer, client } = await tokenEndpoint([[200, { ...ok, refresh_token: 'rt2' }]]);
    const tokens = await client.authorizationCode.refresh('rt1', { scope: 'webhooks' });
    expect(tokens.refresh_token).toBe('rt2');
    expect(Object.fromEntries(new URLSearchParams(peer.requests[0]?.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt1', scope: 'webhooks' });
  });

  it('a public client (no secret) sends client_id in the body and no Authorization header (RFC 6749 §3.2.1)', async () => {
    const { peer } = await tokenEndpoint([[200, ok]]);
    const client = new TokenClient({ clientId: ID, environment: { tokenUrl: `${peer.url}/oauth/token` } });
    await client.authorizationCode.exchange({ code: 'c', redirectUri: 'https://m.example/cb', codeVerifier: 'v'.repeat(43) });
    expect(peer.requests[0]?.headers.authorization).toBeUndefined();
    expect(new URLSearchParams(peer.requests[0]?.body).get('client_id')).toBe(ID);
  });

  it('RFC 9700 §4.14.2: a code exchange is not retried after a 500 (a replay would revoke the grant)', async () => {
    const { peer, client, delays } = await tokenEndpoint([[500, { error: 'server_error' }], [200, ok]]);
    await expect(client.authorizationCode.exchange({ code: 'c', redirectUri: 'https://m.example/cb', codeVerifier: 'v'.repeat(43) })).rejects.toMatchObject({
      error: 'server_error',
      status: 500,
    });
    expect(peer.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('a refresh is retried after 503 + Retry-After (the server says it did nothing)', async () => {
    const { peer, client } = await tokenEndpoint([[503, { error: 'temporarily_unavailable' }], [200, ok]]);
    await expect(client.authorizationCode.refresh('rt1')).resolves.toEqual(ok);
    expect(peer.requests).toHaveLength(2);
  });

  it('RFC 6749 §5.2: invalid_grant surfaces as a typed OAuthRequestError', async () => {
    const { client } = await tokenEndpoint([[400, { error: 'invalid_grant', error_description: 'The code was already used' }]]);
    await expect(client.authorizationCode.exchange({ code: 'c', redirectUri: 'https://m.example/cb', codeVerifier: 'v'.repeat(43) })).rejects.toMatchObject({
      code: 'ERR_OAUTH_RESPONSE_ERROR',
      error: 'invalid_grant',
      error_description: 'The code was already used',
      status: 400,
    });
  });
});

describe('authorizationCode › against the real server', () => {
  let s: SocketServer;
  beforeAll(async () => {
    s = await startSocketServer();
  });
  afterAll(() => s?.close());

  it('an unknown code is refused with a 400 OAuth error (unsupported_grant_type until the code grant lands, then invalid_grant)', async () => {
    const creds = await s.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://m.example/cb'] });
    const client = new TokenClient({ clientId: creds.id, clientSecret: creds.secret, environment: { tokenUrl: `${s.url()}/oauth/token` } });
    const err = (await client.authorizationCode
      .exchange({ code: 'no-such-code', redirectUri: 'https://m.example/cb', codeVerifier: createCodeVerifier() })
      .catch((e: unknown) => e)) as OAuthRequestError;
    expect(err).toBeInstanceOf(OAuthRequestError);
    expect(err.code).toBe('ERR_OAUTH_RESPONSE_ERROR');
    expect(err.status).toBe(400);
    expect(['unsupported_grant_type', 'invalid_grant']).toContain(err.error);
  });
});
