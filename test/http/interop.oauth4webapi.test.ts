import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { exportJWK, generateKeyPair } from 'jose';
import { createClient } from '../../src/core/client-management.js';
import { parsePublicKeys } from '../../src/core/client-keys.js';
import { systemClock } from '../../src/core/clock.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { AccountAgent } from '../account/agent.js';
import { sqliteBackend } from '../helpers/backends.js';

/**
 * Interop: a third-party OAuth client library (oauth4webapi) discovers the server (RFC 8414), runs the code
 * flow with PKCE, checks `iss` (RFC 9207), refreshes and revokes, and uses DPoP (RFC 9449), with no special casing. The browser steps
 * (login and consent) go through the Web Account's own forms.
 */
describe('interop › oauth4webapi against the server', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const b = await sqliteBackend.create();
    cleanup = b.cleanup;
    server = await startServer(resolveConfig({ db: b.url, serverKey: 'e'.repeat(64), sandboxPort: 0, productionPort: 0, logLevel: 'silent', drainDelayMs: 0 }), { store: b.store });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('discovery, code flow with PKCE and iss check, refresh, revocation', async () => {
    const base = server.urls.sandbox;
    const redirectUri = 'http://127.0.0.1:7777/callback';
    const { client: record, secret } = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Interop', scopes: ['webhooks'], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirectUri] },
    );
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(base);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const client: oauth.Client = { client_id: record.id };
    const clientAuth = oauth.ClientSecretBasic(secret!);

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', record.id);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'webhooks');
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');

    // The user agent: sign up, open the authorization URL, approve.
    const agent = new AccountAgent(server.apps.sandbox, base);
    await agent.signup('interop@example.com');
    const consent = await agent.get(url.pathname + url.search);
    expect(consent.statusCode).toBe(200);
    const fields = Object.fromEntries([...consent.body.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    const approved = await agent.post('/oauth/authorize', { ...fields, decision: 'approve' });
    expect(approved.statusCode).toBe(303);

    const params = oauth.validateAuthResponse(as, client, new URL(String(approved.headers.location)), state);
    const codeResponse = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, codeResponse);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toBeDefined();

    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, insecure));
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token!, insecure));
    const introspection = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure));
    expect(introspection.active).toBe(false);
  });

  it('pushed authorization request (RFC 9126) with a resource indicator (RFC 8707): push, consent, code, token, Webhook API', async () => {
    const base = server.urls.sandbox;
    const redirectUri = 'http://127.0.0.1:7777/par-callback';
    const { client: record, secret } = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'PAR interop', scopes: ['webhooks'], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirectUri], requirePushedAuthorizationRequests: true },
    );
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(base);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    expect(as.pushed_authorization_request_endpoint).toBe(`${base}/oauth/par`);
    const client: oauth.Client = { client_id: record.id };
    const clientAuth = oauth.ClientSecretBasic(secret!);
    // The Webhook API's resource indicator is, by default, the environment's issuer URL.
    const resource = base;

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const pushed = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, clientAuth, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'webhooks',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource,
    }, insecure));
    expect(pushed.expires_in).toBeGreaterThan(0);
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', record.id);
    url.searchParams.set('request_uri', pushed.request_uri);

    const agent = new AccountAgent(server.apps.sandbox, base);
    await agent.signup('par-interop@example.com');
    const consent = await agent.get(url.pathname + url.search);
    expect(consent.statusCode).toBe(200);
    const fields = Object.fromEntries([...consent.body.matchAll(/<input type="hidden" name="([a-z][a-z_]*)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    const approved = await agent.post('/oauth/authorize', { ...fields, decision: 'approve' });
    expect(approved.statusCode).toBe(303);

    const params = oauth.validateAuthResponse(as, client, new URL(String(approved.headers.location)), state);
    const codeResponse = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, { ...insecure, additionalParameters: { resource } });
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, codeResponse);
    const hooks = await fetch(`${base}/v1/webhooks`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(hooks.status).toBe(200);
    const introspection = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure));
    expect(introspection.aud).toBe(resource);

    // A resource this server does not know is refused with invalid_target, which the library surfaces as such.
    const widened = oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, { ...insecure, additionalParameters: { resource: 'https://elsewhere.example' } }));
    await expect(widened).rejects.toMatchObject({ error: 'invalid_target', status: 400 });
  });

  it('RFC 9449: client_credentials with DPoP, then GET /v1/webhooks with a proof, through oauth4webapi', async () => {
    const base = server.urls.sandbox;
    const { client: record, secret } = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Interop DPoP', scopes: ['webhooks'], dpopBoundAccessTokens: true },
    );
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(base);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    expect(as.dpop_signing_alg_values_supported).toContain('ES256');
    const client: oauth.Client = { client_id: record.id };
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));

    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(secret!), { scope: 'webhooks' }, { ...insecure, DPoP });
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens.token_type).toBe('dpop');

    const resource = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${base}/v1/webhooks`), new Headers(), null, { ...insecure, DPoP });
    expect(resource.status).toBe(200);
    expect(await resource.json()).toMatchObject({ webhooks: [] });
  });

  it('RFC 9449: code flow with PKCE and DPoP for a public client, bound refresh, resource call, through oauth4webapi', async () => {
    const base = server.urls.sandbox;
    const redirectUri = 'http://127.0.0.1:7777/callback';
    const { client: record } = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Interop SPA', scopes: ['webhooks'], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirectUri], isPublic: true },
    );
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(base);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const client: oauth.Client = { client_id: record.id };
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('Ed25519'));

    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({ client_id: record.id, redirect_uri: redirectUri, response_type: 'code', scope: 'webhooks', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' })) url.searchParams.set(k, v);
    const agent = new AccountAgent(server.apps.sandbox, base);
    await agent.signup('interop-dpop@example.com');
    const consent = await agent.get(url.pathname + url.search);
    const fields = Object.fromEntries([...consent.body.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    const approved = await agent.post('/oauth/authorize', { ...fields, decision: 'approve' });

    const params = oauth.validateAuthResponse(as, client, new URL(String(approved.headers.location)), oauth.expectNoState);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, { ...insecure, DPoP }));
    expect(tokens.token_type).toBe('dpop');

    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, { ...insecure, DPoP }));
    expect(refreshed.token_type).toBe('dpop');
    const resource = await oauth.protectedResourceRequest(refreshed.access_token, 'GET', new URL(`${base}/v1/webhooks`), new Headers(), null, { ...insecure, DPoP });
    expect(resource.status).toBe(200);

    // The refresh token is bound to this client's key: the same exchange with another key is refused.
    const otherKey = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token!, { ...insecure, DPoP: otherKey });
    await expect(oauth.processRefreshTokenResponse(as, client, stolen)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
  it('private_key_jwt (RFC 7523) pushes a request with a resource (RFC 9126, RFC 8707) and gets a DPoP-bound token (RFC 9449)', async () => {
    const base = server.urls.sandbox;
    const redirectUri = 'http://127.0.0.1:7777/all-callback';
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'all-1' };
    const { client: record } = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Interop all', scopes: ['webhooks'], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirectUri], requirePushedAuthorizationRequests: true, dpopBoundAccessTokens: true, publicKeys: await parsePublicKeys(JSON.stringify({ keys: [jwk] })) },
    );
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(base);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const client: oauth.Client = { client_id: record.id };
    const clientAuth = oauth.PrivateKeyJwt({ key: privateKey, kid: jwk.kid });
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const resource = base;

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const pushed = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, clientAuth, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'webhooks',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource,
    }, insecure));
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', record.id);
    url.searchParams.set('request_uri', pushed.request_uri);
    const agent = new AccountAgent(server.apps.sandbox, base);
    await agent.signup('all-interop@example.com');
    const consent = await agent.get(url.pathname + url.search);
    expect(consent.statusCode).toBe(200);
    const fields = Object.fromEntries([...consent.body.matchAll(/<input type="hidden" name="([a-z][a-z_]*)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    const approved = await agent.post('/oauth/authorize', { ...fields, decision: 'approve' });
    expect(approved.statusCode).toBe(303);

    const params = oauth.validateAuthResponse(as, client, new URL(String(approved.headers.location)), state);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, { ...insecure, DPoP, additionalParameters: { resource } }));
    expect(tokens.token_type).toBe('dpop');
    const introspection = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure));
    expect(introspection).toMatchObject({ active: true, aud: resource, cnf: { jkt: expect.any(String) } });
    const hooks = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${base}/v1/webhooks`), new Headers(), null, { ...insecure, DPoP });
    expect(hooks.status).toBe(200);

    // RFC 9449 §5: a confidential client's refresh token is bound to its own authentication, not to the DPoP key,
    // so a new key may take over; the new access token keeps the audience and is bound to the new key.
    const nextKey = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, { ...insecure, DPoP: nextKey }));
    expect(refreshed.token_type).toBe('dpop');
    const after = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure));
    expect(after).toMatchObject({ active: true, aud: resource });
    expect((after.cnf as { jkt: string }).jkt).not.toBe((introspection.cnf as { jkt: string }).jkt);
  });

  // RFC 7523 §2.2 as a third-party client library does it: aud = the issuer, a fresh jti, exp 60 s ahead.
  for (const alg of ['ES256', 'EdDSA', 'RS256', 'PS256'] as const) {
    it(`private_key_jwt (${alg}): client_credentials, introspection and revocation with oauth4webapi's PrivateKeyJwt`, async () => {
      const base = server.urls.sandbox;
      const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
      const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-1` };
      const { client: record, secret } = await createClient(
        { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
        { environment: 'sandbox', name: 'Interop keys', scopes: ['webhooks'], publicKeys: await parsePublicKeys(JSON.stringify({ keys: [jwk] })) },
      );
      expect(secret).toBeUndefined();
      const insecure = { [oauth.allowInsecureRequests]: true };
      const issuer = new URL(base);
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
      expect(as.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
      const client: oauth.Client = { client_id: record.id };
      const clientAuth = oauth.PrivateKeyJwt({ key: privateKey, kid: jwk.kid });

      const tokens = await oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, clientAuth, new URLSearchParams({ scope: 'webhooks' }), insecure));
      expect(tokens.token_type).toBe('bearer');
      const active = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure));
      expect(active).toMatchObject({ active: true, client_id: record.id });
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, tokens.access_token, insecure));
      const revoked = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure));
      expect(revoked.active).toBe(false);
    });
  }
});
