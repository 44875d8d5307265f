import { describe, expect, it } from 'vitest';
import {
  InsufficientScopeError,
  InvalidClientError,
  InvalidRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  ServerError,
  TemporarilyUnavailableError,
  TooManyAttemptsError,
  type OAuthError,
} from '../../src/core/errors.js';

/** One class per OAuth error code: each fixes its code, status, body and headers (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 6750 §3.1). */
describe('core/errors › what each error renders', () => {
  it.each<[string, OAuthError, number, Record<string, string>, Record<string, string>]>([
    ['invalid_request with a description', new InvalidRequestError('Missing parameter: x'), 400, { error: 'invalid_request', error_description: 'Missing parameter: x' }, {}],
    ['invalid_request without one: no error_description key at all', new InvalidRequestError(), 400, { error: 'invalid_request' }, {}],
    ['405 with Allow', new MethodNotAllowedError('POST'), 405, { error: 'invalid_request', error_description: 'Method not allowed; use POST' }, { Allow: 'POST' }],
    ['413', new PayloadTooLargeError(), 413, { error: 'invalid_request', error_description: 'Request body too large' }, {}],
    ['invalid_client after Basic', new InvalidClientError({ basicChallenge: true }), 401, { error: 'invalid_client', error_description: 'Client authentication failed' }, { 'WWW-Authenticate': 'Basic realm="oauth"' }],
    ['invalid_client with a realm', new InvalidClientError({ basicChallenge: true, realm: 'x' }), 401, { error: 'invalid_client', error_description: 'Client authentication failed' }, { 'WWW-Authenticate': 'Basic realm="x"' }],
    ['invalid_client after client_secret_post', new InvalidClientError({ basicChallenge: false }), 401, { error: 'invalid_client', error_description: 'Client authentication failed' }, {}],
    ['server_error never carries a detail', new ServerError(), 500, { error: 'server_error' }, {}],
    ['503 with its default description', new TemporarilyUnavailableError(5), 503, { error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable' }, { 'Retry-After': '5' }],
    ['429', new TooManyAttemptsError(30), 429, { error: 'temporarily_unavailable', error_description: 'Too many requests; retry later' }, { 'Retry-After': '30' }],
    ['insufficient_scope', new InsufficientScopeError('webhooks'), 403, { error: 'insufficient_scope', error_description: 'The access token lacks the required scope' }, {}],
  ])('%s', (_name, err, status, body, headers) => {
    expect(err.status).toBe(status);
    expect(err.body()).toEqual(body);
    expect(err.headers).toEqual(headers);
  });

  it.each([
    [0.2, '1'],
    [0, '1'],
    [-5, '1'],
    [2.1, '3'],
    [60, '60'],
  ])('Retry-After for %s seconds is %s: whole seconds, at least one', (seconds, header) => {
    expect(new TemporarilyUnavailableError(seconds).headers['Retry-After']).toBe(header);
  });
});
