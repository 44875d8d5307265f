import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../helpers/test-server.js';

describe('metadata › RFC 8414', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ config: { productionIssuer: 'https://auth-api.example.com' } });
  });
  afterAll(() => t.close());

  it('§3.2: lists the real endpoints, grants, auth methods and scopes under the issuer', async () => {
    const res = await t.app().inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    expect(res.statusCode).toBe(200);
    const m = res.json();
    expect(m.issuer).toBe(t.server.urls.sandbox);
    expect(m.token_endpoint).toBe(`${m.issuer}/oauth/token`);
    expect(m.revocation_endpoint).toBe(`${m.issuer}/oauth/revoke`);
    expect(m.introspection_endpoint).toBe(`${m.issuer}/oauth/introspect`);
    expect(m.grant_types_supported).toContain('client_credentials');
    expect(m.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
    expect(m.authorization_endpoint).toBe(`${m.issuer}/oauth/authorize`);
    expect(m.code_challenge_methods_supported).toEqual(['S256']);
    expect(m.authorization_response_iss_parameter_supported).toBe(true);
    expect(m.grant_types_supported).toEqual(['client_credentials', 'authorization_code', 'refresh_token']);
    expect(m.scopes_supported).toEqual(['webhooks', 'transactions', 'devices']);
    // RFC 9449 §5.1: the algorithms DPoP proofs may be signed with.
    expect(m.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'Ed25519']);
  });

  it('RFC 9126 §5: the PAR endpoint under the issuer; pushing is not required server-wide (a client may be registered to)', async () => {
    const m = (await t.app().inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    expect(m.pushed_authorization_request_endpoint).toBe(`${m.issuer}/oauth/par`);
    expect(m.require_pushed_authorization_requests).toBe(false);
  });

  it('§2: private_key_jwt (RFC 7523) and its signing algorithms at the token, revocation and introspection endpoints', async () => {
    const m = (await t.app().inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    const algs = ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'];
    for (const endpoint of ['revocation', 'introspection']) {
      expect(m[`${endpoint}_endpoint_auth_methods_supported`]).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
    }
    for (const endpoint of ['token', 'revocation', 'introspection']) {
      expect(m[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).toEqual(algs);
    }
  });

  it('§2: a configured issuer (deployment behind a proxy) is used as is', async () => {
    const m = (await t.app('production').inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    expect(m.issuer).toBe('https://auth-api.example.com');
    expect(m.token_endpoint).toBe('https://auth-api.example.com/oauth/token');
  });

  it('unknown paths → 404 JSON, not a stack trace', async () => {
    const res = await t.app().inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
  });

  it('/healthz and /readyz answer; /readyz turns 503 while draining', async () => {
    expect((await t.app().inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app().inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
