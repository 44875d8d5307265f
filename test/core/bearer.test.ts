import { describe, expect, it } from 'vitest';
import { authenticateBearer, bearerChallenge, MissingTokenError, parseBearerHeader, type TokenCheck } from '../../src/core/bearer.js';
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, type OAuthError } from '../../src/core/errors.js';

const validator = (check: TokenCheck) => ({ validate: async () => check });
const active: TokenCheck = { active: true, clientId: 'c', scopes: ['webhooks'], expiresAt: 2_000_000_000 };

async function failure(header: string | undefined, check: TokenCheck = active, requiredScope = 'webhooks'): Promise<OAuthError> {
  try {
    await authenticateBearer(header, { validator: validator(check), requiredScope });
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('expected a failure');
}

describe('core/bearer › RFC 6750 header parsing', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['Bearer a-b.c_d~e+f/g==', 'a-b.c_d~e+f/g=='],
  ])('RFC 6750 §2.1: %j → token %j (scheme case-insensitive, b64token)', (header, token) => {
    expect(parseBearerHeader(header)).toBe(token);
  });

  it.each([[undefined], ['Basic Zm9vOmJhcg=='], ['Digest x'], ['Token abc'], ['Bearerabc']])(
    'RFC 6750 §3.1: %j carries no bearer token → treated as absent',
    (header) => {
      expect(parseBearerHeader(header)).toBeUndefined();
    },
  );

  it.each([['Bearer'], ['Bearer '], ['Bearer a b'], ['Bearer a,b'], ['Bearer "abc"'], ['Bearer ab=c'], ['Bearer\tabc'], ['Bearer é']])(
    'RFC 6750 §3.1: malformed %j → invalid_request with challenge',
    (header) => {
      let err: unknown;
      try {
        parseBearerHeader(header);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect((err as OAuthError).status).toBe(400);
      expect((err as OAuthError).headers['WWW-Authenticate']).toBe('Bearer realm="api", error="invalid_request"');
    },
  );
});

describe('core/bearer › authenticateBearer', () => {
  it('RFC 6750 §3.1: no credentials → 401, bare challenge, no error code in body', async () => {
    const err = await failure(undefined);
    expect(err).toBeInstanceOf(MissingTokenError);
    expect(err.status).toBe(401);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    expect(err.body()).not.toHaveProperty('error');
  });

  it('RFC 6750 §3.1: expired → 401 invalid_token with "The access token expired"', async () => {
    const err = await failure('Bearer abc', { active: false, reason: 'expired' });
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="The access token expired"');
  });

  it('RFC 6750 §3.1: unknown or revoked → 401 invalid_token', async () => {
    const err = await failure('Bearer abc', { active: false, reason: 'invalid' });
    expect(err.status).toBe(401);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="invalid_token"');
  });

  it('RFC 6750 §3.1: active token without the scope → 403 insufficient_scope naming it', async () => {
    const err = await failure('Bearer abc', { ...active, scopes: ['transactions'] });
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect(err.status).toBe(403);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="insufficient_scope", scope="webhooks"');
  });

  it('passes an active token with the scope and returns its principal', async () => {
    await expect(authenticateBearer('bearer abc', { validator: validator(active), requiredScope: 'webhooks' })).resolves.toEqual({
      clientId: 'c',
      scopes: ['webhooks'],
      expiresAt: 2_000_000_000,
    });
  });

  it('a custom realm appears in every challenge', () => {
    expect(bearerChallenge('devices', { error: 'invalid_token' })).toBe('Bearer realm="devices", error="invalid_token"');
  });
});

describe('core/bearer › edges', () => {
  it('spaces around the header value are not part of the token', () => {
    expect(parseBearerHeader('Bearer abc   ')).toBe('abc');
    expect(parseBearerHeader('   Bearer abc')).toBe('abc');
  });

  it('a field given as a list with one value is that value; with none it is malformed', async () => {
    await expect(authenticateBearer(['Bearer abc'], { validator: validator(active) })).resolves.toEqual({ clientId: 'c', scopes: ['webhooks'], expiresAt: 2_000_000_000 });
    await expect(authenticateBearer([], { validator: validator(active) })).rejects.toMatchObject({ status: 400, code: 'invalid_request', description: 'Send one Authorization header, not several' });
  });

  it('without a required scope any active token passes, even one with no scope', async () => {
    const none: TokenCheck = { active: true, clientId: 'c', scopes: [], expiresAt: 2_000_000_000 };
    await expect(authenticateBearer('Bearer abc', { validator: validator(none) })).resolves.toMatchObject({ clientId: 'c', scopes: [] });
  });

  it('RFC 6750 §3.1: the body names the reason, expired apart from the rest', async () => {
    expect((await failure('Bearer abc', { active: false, reason: 'expired' })).body()).toEqual({ error: 'invalid_token', error_description: 'The access token expired' });
    expect((await failure('Bearer abc', { active: false, reason: 'invalid' })).body()).toEqual({ error: 'invalid_token', error_description: 'The access token is not valid' });
  });
});
