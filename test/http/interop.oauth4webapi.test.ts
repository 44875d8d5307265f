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
 * flow with PKCE, checks `iss` (RFC 9207), refreshes and revokes, with no special casing. The browser steps
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
