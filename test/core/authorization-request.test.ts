import { describe, expect, it } from 'vitest';
import { authorizationResponseUrl, checkAuthorizationRequest } from '../../src/core/authorization-request.js';
import { s256 } from '../../src/core/pkce.js';
import type { ClientRecord } from '../../src/storage/types.js';

const CB = 'https://app.example/cb';
const CHALLENGE = s256('v'.repeat(43));
const client: ClientRecord = {
  id: 'C'.repeat(24),
  environment: 'sandbox',
  name: 'Shop App',
  secretHash: null,
  previousSecretHash: null,
  previousSecretExpiresAt: null,
  scopes: ['webhooks', 'devices'],
  grantTypes: ['authorization_code', 'refresh_token'],
  redirectUris: [CB],
  isResourceServer: false,
  merchantId: null,
  createdAt: 0,
  dpopBoundAccessTokens: false,
};
const good = { response_type: 'code', client_id: client.id, redirect_uri: CB, scope: 'webhooks', state: 'st', code_challenge: CHALLENGE, code_challenge_method: 'S256' };

/** RFC 6749 §4.1.1/§4.1.2.1 with PKCE (RFC 7636 §4.3): what is shown as a page, what is redirected, and with which words. */
describe('core/authorization-request › checking /authorize', () => {
  it('a good request → the checked request, scope in the client\'s order', () => {
    expect(checkAuthorizationRequest({ ...good, scope: 'devices webhooks' }, [], client, 'sandbox')).toEqual({
      ok: true,
      request: { client, redirectUri: CB, scope: 'webhooks devices', state: 'st', codeChallenge: CHALLENGE, resources: null },
    });
    // No scope asked: everything the client may have (RFC 6749 §3.3).
    expect(checkAuthorizationRequest({ ...good, scope: undefined, state: undefined }, [], client, 'sandbox')).toMatchObject({ ok: true, request: { scope: 'webhooks devices', state: undefined } });
  });

  it.each<[string, Record<string, string | undefined>, readonly string[], ClientRecord | undefined, string]>([
    ['client_id repeated', good, ['client_id'], client, 'The request repeats client_id or redirect_uri.'],
    ['redirect_uri repeated', good, ['redirect_uri'], client, 'The request repeats client_id or redirect_uri.'],
    ['an unknown client', good, [], undefined, 'The application asking for access is not known here.'],
    ['a client of the other environment', good, [], { ...client, environment: 'production' }, 'The application asking for access is not known here.'],
    ['no redirect_uri', { ...good, redirect_uri: undefined }, [], client, 'The redirect URI is not registered for this application.'],
    ['an unregistered redirect_uri', { ...good, redirect_uri: CB + '/x' }, [], client, 'The redirect URI is not registered for this application.'],
  ])('RFC 6749 §4.1.2.1: %s → an error page, nobody redirected', (_name, params, duplicates, c, message) => {
    expect(checkAuthorizationRequest(params, duplicates, c, 'sandbox')).toEqual({ ok: false, kind: 'page', message });
  });

  it.each<[string, Record<string, string | undefined>, readonly string[], ClientRecord, string, string]>([
    ['another parameter repeated', good, ['scope'], client, 'invalid_request', 'A parameter was sent more than once'],
    ['no response_type', { ...good, response_type: undefined }, [], client, 'invalid_request', 'response_type is required'],
    ['response_type=token', { ...good, response_type: 'token' }, [], client, 'unsupported_response_type', 'Only response_type=code is supported'],
    ['a client without the code grant', good, [], { ...client, grantTypes: ['client_credentials'] }, 'unauthorized_client', 'This application may not use the authorization code flow'],
    ['no code_challenge', { ...good, code_challenge: undefined }, [], client, 'invalid_request', 'code_challenge is required (PKCE)'],
    ['code_challenge_method plain', { ...good, code_challenge_method: 'plain' }, [], client, 'invalid_request', 'code_challenge_method must be S256'],
    ['no code_challenge_method', { ...good, code_challenge_method: undefined }, [], client, 'invalid_request', 'code_challenge_method must be S256'],
    ['a code_challenge of 44 characters', { ...good, code_challenge: CHALLENGE + 'A' }, [], client, 'invalid_request', 'code_challenge is malformed'],
    ['a scope beyond the client', { ...good, scope: 'transactions' }, [], client, 'invalid_scope', 'The requested scope is not allowed for this application'],
    ['a malformed scope', { ...good, scope: 'a"b' }, [], client, 'invalid_scope', 'The requested scope is not allowed for this application'],
  ])('%s → redirect with error and its description', (_name, params, duplicates, c, error, description) => {
    expect(checkAuthorizationRequest(params, duplicates, c, 'sandbox')).toEqual({ ok: false, kind: 'redirect', redirectUri: CB, state: 'st', error, description });
  });

  it('a repeated state is not echoed back (which of the two would it be?)', () => {
    expect(checkAuthorizationRequest(good, ['state'], client, 'sandbox')).toMatchObject({ ok: false, kind: 'redirect', state: undefined, error: 'invalid_request' });
  });

  it('RFC 9207: the response URL keeps the registered query and appends parameters, skipping undefined ones', () => {
    expect(authorizationResponseUrl('https://app.example/cb?x=1', { code: 'abc', state: undefined, iss: 'https://auth.example' })).toBe(
      'https://app.example/cb?x=1&code=abc&iss=https%3A%2F%2Fauth.example',
    );
  });
});
