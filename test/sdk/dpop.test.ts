import { createHash, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, exportJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenClient, type TokenClientOptions } from '../../packages/client/src/index.js';
import { parsePublicKeys } from '../../src/core/client-keys.js';
import { dpopKey, proof } from '../helpers/dpop.js';
import { startPeer, startSocketServer, type Peer, type SocketServer } from './socket-server.js';

const ACCESS = 'd'.repeat(42);
const tokenBody = (type = 'DPoP', extra = {}) => JSON.stringify({ access_token: ACCESS, token_type: type, expires_in: 3600, ...extra });
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Verifies a DPoP proof with its embedded key (RFC 9449 §4.3 checks 4–6) and returns its claims and key thumbprint. */
async function readProof(value: string | string[] | undefined) {
  expect(typeof value).toBe('string');
  const { payload, protectedHeader } = await jwtVerify(value as string, EmbeddedJWK, { typ: 'dpop+jwt' });
  expect(protectedHeader.jwk).not.toHaveProperty('d');
  return { claims: payload as Record<string, unknown>, alg: protectedHeader.alg, jkt: await calculateJwkThumbprint(protectedHeader.jwk as JWK) };
}

describe('TokenClient › DPoP (RFC 9449) as sent', () => {
  /** Per test: how the peer answers the i-th request. */
  let answer: (path: string, index: number, headers: Record<string, string | string[] | undefined>) => { status: number; headers?: Record<string, string>; body?: string };
  let peer: Peer;
  beforeAll(async () => {
    peer = await startPeer((req, _body, res, index) => {
      const a = answer((req.url ?? '').split('?')[0]!, index, req.headers);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '');
    });
  });
  afterAll(() => peer.close());

  const client = (extra: Partial<TokenClientOptions> = {}) =>
    new TokenClient({ clientId: 'C'.repeat(24), clientSecret: 's'.repeat(48), environment: { tokenUrl: `${peer.url}/oauth/token?tenant=1` }, dpop: true, ...extra });
  const since = (start: number) => peer.requests.slice(start);

  it('§4.2: each token request carries a proof: typ dpop+jwt, public jwk, htm POST, htu without the query, iat, jti', async () => {
    answer = () => ({ status: 200, body: tokenBody() });
    const start = peer.requests.length;
    const c = client();
    await c.requestToken();
    await c.requestToken();
    const proofs = await Promise.all(since(start).map((r) => readProof(r.headers.dpop)));
    for (const { claims, alg } of proofs) {
      expect(alg).toBe('ES256');
      expect(claims).toMatchObject({ htm: 'POST', htu: `${peer.url}/oauth/token` });
      expect(Math.abs((claims.iat as number) - Date.now() / 1000)).toBeLessThan(5);
      expect(claims).not.toHaveProperty('ath');
    }
    // dpop: true keeps one key for the client's lifetime; every proof is new.
    expect(proofs[0]!.jkt).toBe(proofs[1]!.jkt);
    expect(proofs[0]!.claims.jti).not.toBe(proofs[1]!.claims.jti);
    // Client authentication is unchanged: the secret still goes in Basic.
    expect(since(start)[0]!.headers.authorization).toMatch(/^Basic /);
  });

  it('§8: use_dpop_nonce is retried once with the nonce, and the nonce is kept for the next request', async () => {
    answer = (_p, i) => (i === start ? { status: 400, headers: { 'dpop-nonce': 'n-1' }, body: '{"error":"use_dpop_nonce"}' } : { status: 200, body: tokenBody() });
    const start = peer.requests.length;
    const c = client();
    expect(await c.getToken()).toBe(ACCESS);
    await c.requestToken();
    const nonces = await Promise.all(since(start).map(async (r) => (await readProof(r.headers.dpop)).claims.nonce));
    expect(nonces).toEqual([undefined, 'n-1', 'n-1']);
  });

  it('§8: a second use_dpop_nonce in a row is an error, not a loop', async () => {
    answer = () => ({ status: 400, headers: { 'dpop-nonce': 'n-2' }, body: '{"error":"use_dpop_nonce","error_description":"stale"}' });
    const start = peer.requests.length;
    await expect(client().getToken()).rejects.toMatchObject({ error: 'use_dpop_nonce', status: 400 });
    expect(since(start)).toHaveLength(2);
  });

  it('§7.1: fetch sends Authorization: DPoP and a proof of its method and URL with ath; a 401 use_dpop_nonce is retried once', async () => {
    answer = (path, i, h) => {
      if (path === '/oauth/token') return { status: 200, body: tokenBody() };
      if (h.dpop && i === resourceFirst()) return { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'rs-1' }, body: '{}' };
      return { status: 200, body: '{"ok":true}' };
    };
    const start = peer.requests.length;
    const resourceFirst = () => start + 1;
    const c = client();
    const res = await c.fetch(`${peer.url}/v1/webhooks?limit=5#top`, { method: 'PATCH', body: '{"x":1}' });
    expect(res.status).toBe(200);
    const [tokenReq, first, second] = since(start);
    expect(tokenReq!.path.startsWith('/oauth/token')).toBe(true);
    for (const r of [first!, second!]) {
      expect(r.headers.authorization).toBe(`DPoP ${ACCESS}`);
      expect(r.body).toBe('{"x":1}');
    }
    const p1 = await readProof(first!.headers.dpop);
    const p2 = await readProof(second!.headers.dpop);
    expect(p1.claims).toMatchObject({ htm: 'PATCH', htu: `${peer.url}/v1/webhooks`, ath: ath(ACCESS) });
    expect(p1.claims).not.toHaveProperty('nonce');
    expect(p2.claims).toMatchObject({ htm: 'PATCH', nonce: 'rs-1', ath: ath(ACCESS) });
    expect(p2.jkt).toBe((await readProof(tokenReq!.headers.dpop)).jkt);
  });

  it('nonces are kept per origin: a resource server nonce never goes to another origin', async () => {
    const other = await startPeer((_req, _body, res) => void res.writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'other-1' }).end());
    try {
      answer = () => ({ status: 200, body: tokenBody() });
      const c = client();
      await c.fetch(`${other.url}/v1/x`);
      const start = peer.requests.length;
      await c.requestToken();
      await c.fetch(`${peer.url}/v1/webhooks`);
      for (const r of since(start)) expect((await readProof(r.headers.dpop)).claims).not.toHaveProperty('nonce');
      // The other origin got its own nonce back on the one retry.
      expect(other.requests).toHaveLength(2);
      expect((await readProof(other.requests[1]!.headers.dpop)).claims.nonce).toBe('other-1');
    } finally {
      await other.close();
    }
  });

  it('§5: a server that answers Bearer to a proof gets Bearer back from fetch, without a proof', async () => {
    answer = (path) => (path === '/oauth/token' ? { status: 200, body: tokenBody('Bearer') } : { status: 200, body: '{}' });
    const start = peer.requests.length;
    await client().fetch(`${peer.url}/v1/webhooks`);
    const resource = since(start)[1]!;
    expect(resource.headers.authorization).toBe(`Bearer ${ACCESS}`);
    expect(resource.headers.dpop).toBeUndefined();
  });

  it('refresh and code exchange are proofed with the same key as the client_credentials request', async () => {
    answer = () => ({ status: 200, body: tokenBody('DPoP', { refresh_token: 'r'.repeat(43) }) });
    const start = peer.requests.length;
    const c = client();
    await c.requestToken();
    await c.authorizationCode.exchange({ code: 'c'.repeat(43), redirectUri: 'https://app.example/cb', codeVerifier: 'v'.repeat(43) });
    await c.authorizationCode.refresh('r'.repeat(43));
    const jkts = await Promise.all(since(start).map(async (r) => (await readProof(r.headers.dpop)).jkt));
    expect(new Set(jkts).size).toBe(1);
    expect(new URLSearchParams(since(start)[2]!.body).get('grant_type')).toBe('refresh_token');
  });

  it('a given key is used as is: an Ed25519 KeyObject signs EdDSA; a non-extractable CryptoKey with its publicJwk', async () => {
    answer = () => ({ status: 200, body: tokenBody() });
    const ed = generateKeyPairSync('ed25519');
    let start = peer.requests.length;
    await client({ dpop: { privateKey: ed.privateKey } }).requestToken();
    const p = await readProof(since(start)[0]!.headers.dpop);
    expect(p.alg).toBe('EdDSA');
    expect(p.jkt).toBe(await calculateJwkThumbprint(await exportJWK(ed.publicKey)));

    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const publicJwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JWK;
    start = peer.requests.length;
    await client({ dpop: { privateKey: pair.privateKey, publicJwk } }).requestToken();
    expect((await readProof(since(start)[0]!.headers.dpop)).jkt).toBe(await calculateJwkThumbprint(publicJwk));
    await expect(client({ dpop: { privateKey: pair.privateKey } }).requestToken()).rejects.toThrow(/publicJwk is required/);
    expect(() => client({ dpop: { privateKey: ed.privateKey, publicJwk: { ...publicJwk, d: 'AAAA' } } })).toThrow(/private key members/);
  });

  it('without the dpop option nothing changes: no DPoP header, and a DPoP token type is an invalid response', async () => {
    answer = () => ({ status: 200, body: tokenBody('DPoP') });
    const start = peer.requests.length;
    const err = await client({ dpop: undefined }).getToken().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_OAUTH_INVALID_RESPONSE' });
    expect(since(start)[0]!.headers.dpop).toBeUndefined();
  });
});

describe('TokenClient › DPoP and private_key_jwt against the real server', () => {
  const servers: SocketServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  /** A client that may only hold DPoP-bound tokens (RFC 9449 §5.2) and authenticates with a key (RFC 7523). */
  async function boundClient(s: SocketServer) {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const creds = await s.client({
      publicKeys: await parsePublicKeys(JSON.stringify({ keys: [{ ...(await exportJWK(key.publicKey)), kid: 'sdk-1' }] })),
      dpopBoundAccessTokens: true,
      scopes: ['webhooks'],
    });
    const client = new TokenClient({
      clientId: creds.id,
      environment: { tokenUrl: `${s.url()}/oauth/token` },
      scope: 'webhooks',
      clock: s.clock,
      clientAuth: { method: 'private_key_jwt', privateKey: key.privateKey, kid: 'sdk-1' },
      dpop: true,
    });
    return { id: creds.id, client };
  }

  it('a DPoP-bound token via private_key_jwt calls /v1/webhooks through fetch; the stolen token alone is refused', async () => {
    const s = await startSocketServer();
    servers.push(s);
    const { id, client } = await boundClient(s);
    const token = await client.getToken();
    const info = await client.introspect(token);
    expect(info).toMatchObject({ active: true, client_id: id, token_type: 'DPoP' });
    expect((info.cnf as { jkt?: unknown }).jkt).toEqual(expect.any(String));

    const res = await client.fetch(`${s.url()}/v1/webhooks?limit=5`);
    expect(res.status, await res.clone().text()).toBe(200);

    // Replayed by someone without the key: as a bearer token, with no proof, or with a proof of another key.
    const url = `${s.url()}/v1/webhooks`;
    const asBearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const noProof = await fetch(url, { headers: { authorization: `DPoP ${token}` } });
    const thief = await dpopKey();
    const otherKey = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await proof(thief, { htm: 'GET', htu: url, iat: s.clock.now(), accessToken: token }) } });
    for (const r of [asBearer, noProof, otherKey]) expect(r.status).toBe(401);
    // The token itself is still good for its holder.
    expect((await client.fetch(url)).status).toBe(200);
  });

  it('with server nonces (--dpop-nonce) the SDK answers use_dpop_nonce once at the token endpoint and gets through', async () => {
    const s = await startSocketServer(undefined, { dpopNonce: true });
    servers.push(s);
    const { client } = await boundClient(s);
    const res = await client.fetch(`${s.url()}/v1/webhooks`);
    expect(res.status, await res.clone().text()).toBe(200);
    // One refused token request (no nonce yet), one with the nonce; the resource request then needs no retry.
    expect(s.counts.sandbox['/oauth/token']).toBe(2);
    expect(s.counts.sandbox['/v1/webhooks']).toBe(1);
  });
});
