import { OAuthRequestError } from './errors.js';
import type { Endpoints } from './environments.js';
import type { RetryPolicy } from './http.js';
import { codeChallengeS256, createCodeVerifier, createState } from './pkce.js';
import type { TokenResponse } from './token-response.js';

/** What to keep (in the user's session) between sending the user to authorize and handling the callback. */
export interface AuthorizationRequest {
  /** Send the user's browser here. */
  url: string;
  state: string;
  codeVerifier: string;
  redirectUri: string;
}

export interface AuthorizationUrlOptions {
  /** A redirect URI registered for the client, exactly (RFC 9700 §2.1). */
  redirectUri: string;
  /** Scope to ask for; default: the client's `scope` option. */
  scope?: string | readonly string[];
  /** Default: a fresh random value. */
  state?: string;
  /** Default: a fresh random verifier. */
  codeVerifier?: string;
}

interface FlowDeps {
  clientId: string;
  endpoints: Readonly<Endpoints>;
  scope: string | undefined;
  tokenRequest(params: URLSearchParams, policy: RetryPolicy): Promise<TokenResponse>;
}

/**
 * The authorization code grant with PKCE, from the client's side: build the authorize URL, check the callback,
 * exchange the code, refresh. Reached as `tokenClient.authorizationCode`.
 *
 * Code exchange and refresh are retried only on 429 and 503 (the server says it did nothing): a code or refresh token
 * is single-use, and replaying one after a lost response revokes the whole grant (RFC 9700 §4.14.2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */
export class AuthorizationCodeFlow {
  readonly #deps: FlowDeps;

  constructor(deps: FlowDeps) {
    this.#deps = deps;
  }

  /**
   * The authorization request URL, with an S256 code challenge and a state. PKCE `plain` is never used.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
   * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
   */
  authorizationUrl(options: AuthorizationUrlOptions): AuthorizationRequest {
    const { clientId, endpoints } = this.#deps;
    if (typeof options?.redirectUri !== 'string' || options.redirectUri === '') throw new TypeError('redirectUri is required');
    const state = options.state ?? createState();
    const codeVerifier = options.codeVerifier ?? createCodeVerifier();
    const scope = options.scope === undefined ? this.#deps.scope : [options.scope].flat().join(' ');
    const url = new URL(endpoints.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('redirect_uri', options.redirectUri);
    if (scope) url.searchParams.set('scope', scope);
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', codeChallengeS256(codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return { url: url.toString(), state, codeVerifier, redirectUri: options.redirectUri };
  }

  /**
   * Reads the redirect back to the client: checks `state` first (RFC 6749 §10.12), then returns the code or throws
   * the error the server redirected with (`ERR_OAUTH_AUTHORIZATION_DENIED`, §4.1.2.1).
   */
  parseCallback(callbackUrl: string | URL, expectedState: string): string {
    const params = new URL(callbackUrl).searchParams;
    if (!expectedState || params.get('state') !== expectedState) {
      throw new OAuthRequestError('ERR_OAUTH_STATE_MISMATCH', {
        error: 'state_mismatch',
        error_description: 'The state in the callback is not the one sent',
        status: 0,
      });
    }
    const error = params.get('error');
    if (error !== null) {
      throw new OAuthRequestError('ERR_OAUTH_AUTHORIZATION_DENIED', {
        error,
        error_description: params.get('error_description') ?? undefined,
        status: 0,
      });
    }
    const code = params.get('code');
    if (!code) {
      throw new OAuthRequestError('ERR_OAUTH_INVALID_RESPONSE', { error: 'invalid_response', error_description: 'The callback has no code', status: 0 });
    }
    return code;
  }

  /**
   * Exchanges an authorization code for tokens, proving possession of the verifier.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
   * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
   */
  exchange(input: { code: string; redirectUri: string; codeVerifier: string }): Promise<TokenResponse> {
    for (const k of ['code', 'redirectUri', 'codeVerifier'] as const) {
      if (typeof input?.[k] !== 'string' || input[k] === '') throw new TypeError(`${k} is required`);
    }
    const params = new URLSearchParams({
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
    });
    return this.#deps.tokenRequest(params, 'unconsumed');
  }

  /**
   * New tokens from a refresh token. The server rotates refresh tokens: keep the `refresh_token` of the answer, the
   * old one is spent. `scope` may only narrow the original grant (§6).
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
   */
  refresh(refreshToken: string, options: { scope?: string | readonly string[] } = {}): Promise<TokenResponse> {
    if (typeof refreshToken !== 'string' || refreshToken === '') throw new TypeError('refreshToken is required');
    const params = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (options.scope !== undefined) params.set('scope', [options.scope].flat().join(' '));
    return this.#deps.tokenRequest(params, 'unconsumed');
  }
}
