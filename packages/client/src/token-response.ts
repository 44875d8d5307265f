import { OAuthRequestError } from './errors.js';
import { errorFromResponse, type FormResponse } from './http.js';

/**
 * A successful token response.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface TokenResponse {
  access_token: string;
  /** `Bearer` (compared case-insensitively, RFC 6749 §7.1). */
  token_type: string;
  /** Lifetime in seconds, when the server says (RECOMMENDED in §5.1). */
  expires_in?: number;
  scope?: string;
  /** Only from the authorization_code and refresh_token grants; never from client_credentials (§4.4.3). */
  refresh_token?: string;
  [extension: string]: unknown;
}

/**
 * Checks a token endpoint answer and returns the token response, or throws an OAuthRequestError. Like the official myPOS
 * SDK, a body carrying `error` is a failure whatever the status; `expires_in` may arrive as a numeric string.
 */
export function parseTokenResponse(response: FormResponse, nowSeconds: number): TokenResponse {
  const body = response.json as Record<string, unknown> | undefined;
  if (response.status < 200 || response.status > 299 || (body && typeof body === 'object' && 'error' in body)) {
    throw errorFromResponse(response, nowSeconds);
  }
  const invalid = (why: string) =>
    new OAuthRequestError('ERR_OAUTH_INVALID_RESPONSE', { error: 'invalid_response', error_description: why, status: response.status });
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The token response is not a JSON object');
  const { access_token, token_type, expires_in } = body;
  if (typeof access_token !== 'string' || access_token === '') throw invalid('The token response has no access_token');
  if (typeof token_type !== 'string' || token_type.toLowerCase() !== 'bearer') throw invalid('The token type is not Bearer');
  const out: TokenResponse = { ...body, access_token, token_type };
  if (expires_in !== undefined) {
    const seconds = typeof expires_in === 'string' && /^\d+$/.test(expires_in) ? Number(expires_in) : expires_in;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw invalid('expires_in is not a number of seconds');
    out.expires_in = seconds;
  }
  return out;
}
