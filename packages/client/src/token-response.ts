import { OAuthRequestError } from './errors.js';
import { errorFromResponse, type FormResponse } from './http.js';

/**
 * A successful token response.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface TokenResponse {
  access_token: string;
  /** `Bearer`, or `DPoP` for a token bound to the client's DPoP key (RFC 9449 §5); case-insensitive (RFC 6749 §7.1). */
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
 * SDK, a body carrying `error` is a failure whatever the status; `expires_in` may arrive as a numeric string. `acceptDpop`:
 * the request carried a DPoP proof, so a `DPoP` token type is expected.
 */
export function parseTokenResponse(response: FormResponse, nowSeconds: number, acceptDpop = false): TokenResponse {
  const body = response.json as Record<string, unknown> | undefined;
  if (response.status < 200 || response.status > 299 || (body && typeof body === 'object' && 'error' in body)) {
    throw errorFromResponse(response, nowSeconds);
  }
  const invalid = (why: string) =>
    new OAuthRequestError('ERR_OAUTH_INVALID_RESPONSE', { error: 'invalid_response', error_description: why, status: response.status });
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The token response is not a JSON object');
  const { access_token, token_type, expires_in } = body;
  if (typeof access_token !== 'string' || access_token === '') throw invalid('The token response has no access_token');
  // RFC 9449 §5: a server that does not bind tokens answers Bearer even to a DPoP proof; DPoP without a proof is wrong.
  const type = typeof token_type === 'string' ? token_type.toLowerCase() : undefined;
  if (type !== 'bearer' && !(acceptDpop && type === 'dpop')) throw invalid(acceptDpop ? 'The token type is neither Bearer nor DPoP' : 'The token type is not Bearer');
  const out: TokenResponse = { ...body, access_token, token_type: token_type as string };
  if (expires_in !== undefined) {
    const seconds = typeof expires_in === 'string' && /^\d+$/.test(expires_in) ? Number(expires_in) : expires_in;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw invalid('expires_in is not a number of seconds');
    out.expires_in = seconds;
  }
  return out;
}
