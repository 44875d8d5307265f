import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpopProofVerifier } from '../../src/core/dpop.js';
import { bearerAuthPlugin, IntrospectionTokenValidator } from '../../src/http/bearer-auth.js';
import { dpopKey, proof, type DpopKey } from '../helpers/dpop.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

const ISSUER = 'https://sandbox.example';
const RS_URL = 'https://devices.example';

/**
 * A resource server running apart (its own process, no shared database) validates tokens by introspection: the
 * answer's token_type and cnf.jkt (RFC 9449 §6.2) decide whether a proof is needed and of which key.
 */
describe('IntrospectionTokenValidator › DPoP-bound tokens (RFC 9449 §6.2, §7)', () => {
  let t: TestServer;
  let rs: FastifyInstance;
  let key: DpopKey;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer({ config: { sandboxIssuer: ISSUER } });
    key = await dpopKey();
    client = await t.client();
    const rsClient = await t.client({ isResourceServer: true });
    // The authorization server answers in process; the validator reaches it through this fetch.
    const fetchViaInject: typeof fetch = async (_url, init) => {
      const res = await t.app().inject({ method: 'POST', url: '/oauth/introspect', headers: init!.headers as Record<string, string>, payload: String(init!.body) });
      return new Response(res.body, { status: res.statusCode, headers: { 'content-type': 'application/json' } });
    };
    const validator = new IntrospectionTokenValidator({ endpoint: `${ISSUER}/oauth/introspect`, clientId: rsClient.id, clientSecret: rsClient.secret, fetch: fetchViaInject });
    // The resource server's own single-use store: here the same shared table, as a node of the same deployment would.
    const dpop = new DpopProofVerifier({ replay: t.store.usedJtis, hasher: t.server.hasher, clock: t.clock, maxAgeSeconds: 60 });
    rs = Fastify();
    await rs.register(bearerAuthPlugin, {
      prefix: '/v1',
      bearer: { validator, requiredScope: 'devices', dpop, publicUrl: () => RS_URL },
      routes: (v1) => {
        v1.get('/devices', async (request) => ({ client: request.bearer!.clientId }));
      },
    });
  });
  afterAll(async () => {
    await rs.close();
    await t.close();
  });

  async function dpopToken(): Promise<string> {
    const res = await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials&scope=devices', {
      authorization: basic(client.id, client.secret),
      dpop: await proof(key, { htu: `${ISSUER}/oauth/token`, iat: t.clock.now() }),
    });
    return res.json().access_token;
  }
  const rsProof = (token: string, k = key) => proof(k, { htm: 'GET', htu: `${RS_URL}/v1/devices`, iat: t.clock.now(), accessToken: token });

  it('a DPoP token with a proof of its key passes; the principal is its client', async () => {
    const token = await dpopToken();
    const res = await rs.inject({ method: 'GET', url: '/v1/devices', headers: { authorization: `DPoP ${token}`, dpop: await rsProof(token) } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ client: client.id });
  });

  it('§7.2: the same token as Bearer is refused; a proof by another key is refused', async () => {
    const token = await dpopToken();
    const asBearer = await rs.inject({ method: 'GET', url: '/v1/devices', headers: { authorization: `Bearer ${token}` } });
    expect(asBearer.statusCode).toBe(401);
    expect(asBearer.json().error).toBe('invalid_token');
    expect(String(asBearer.headers['www-authenticate'])).toMatch(/^DPoP error="invalid_token"/);
    const otherKey = await rs.inject({ method: 'GET', url: '/v1/devices', headers: { authorization: `DPoP ${token}`, dpop: await rsProof(token, await dpopKey()) } });
    expect(otherKey.statusCode).toBe(401);
    expect(otherKey.json().error).toBe('invalid_dpop_proof');
  });

  it('a proof for this resource server is refused at another URI (htu is the public URL given)', async () => {
    const token = await dpopToken();
    const elsewhere = await proof(key, { htm: 'GET', htu: `${ISSUER}/v1/devices`, iat: t.clock.now(), accessToken: token });
    const res = await rs.inject({ method: 'GET', url: '/v1/devices', headers: { authorization: `DPoP ${token}`, dpop: elsewhere } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error_description).toBe('The DPoP proof htu does not match the request URI');
  });
});
