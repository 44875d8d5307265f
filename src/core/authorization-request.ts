import type { ClientRecord, Environment } from '../storage/types.js';
import {
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  OAuthError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from './errors.js';
import type { RequestParams } from './params.js';
import { isS256Challenge } from './pkce.js';
import { redirectUriRegistered } from './redirect-uri.js';
import { requestedAudience } from './resource.js';
import { grantedScope } from './scope.js';

/** A checked authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3), ready for consent. */
export interface AuthorizationRequest {
  client: ClientRecord;
  redirectUri: string;
  scope: string;
  state: string | undefined;
  codeChallenge: string;
  /** The resource servers (RFC 8707) the grant is restricted to; null: none named. */
  resources: string[] | null;
}

interface AuthorizationRequestOptions {
  /** Every `resource` value of the request (RFC 8707 §2: it may repeat). */
  resources?: readonly string[];
  /** The resource indicators a client may name in this environment. */
  knownResources?: readonly string[];
  /** The request was pushed (RFC 9126), so a client that must push passes. */
  pushed?: boolean;
}

/**
 * What is wrong with a request, and whether it may be told to the client:
 * - `page`: the client or redirect URI cannot be trusted, so the error is shown to the user and nobody is
 *   redirected (RFC 6749 §4.1.2.1; RFC 9700 §4.11: no open redirector);
 * - `redirect`: a trustworthy redirect URI gets `error` and `state` (§4.1.2.1).
 */
export type AuthorizationRequestCheck =
  | { ok: true; request: AuthorizationRequest }
  | { ok: false; kind: 'page'; message: string }
  | { ok: false; kind: 'redirect'; redirectUri: string; state: string | undefined; error: string; description: string };

type Params = Record<string, string | undefined>;

/** The authorization request parameters this server reads (RFC 6749 §4.1.1, RFC 7636 §4.3); `resource` apart. */
const AUTHORIZATION_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;

/** The authorization request in a parsed query or body: its string parameters (empty ones omitted) and every `resource`. */
export function authorizationRequestFields(params: RequestParams): { fields: Params; resources: string[] } {
  const fields: Params = {};
  for (const name of AUTHORIZATION_PARAMS) {
    const v = params.fields[name];
    fields[name] = typeof v === 'string' && v !== '' ? v : undefined;
  }
  const all = params.repeated?.resource ?? (typeof params.fields.resource === 'string' ? [params.fields.resource] : []);
  return { fields, resources: all.filter((r) => r !== '') };
}

export function checkAuthorizationRequest(
  params: Params,
  duplicates: readonly string[],
  client: ClientRecord | undefined,
  environment: Environment,
  options: AuthorizationRequestOptions = {},
): AuthorizationRequestCheck {
  // RFC 8707 §2: `resource` may be given more than once; every other parameter only once (RFC 6749 §3.1).
  duplicates = duplicates.filter((name) => name !== 'resource');
  if (duplicates.includes('client_id') || duplicates.includes('redirect_uri')) {
    return { ok: false, kind: 'page', message: 'The request repeats client_id or redirect_uri.' };
  }
  if (!client || client.environment !== environment) {
    return { ok: false, kind: 'page', message: 'The application asking for access is not known here.' };
  }
  const redirectUri = params.redirect_uri;
  // RFC 9700 §2.1: exact string comparison with a registered URI; no normalisation, no patterns.
  if (!redirectUri || !redirectUriRegistered(client.redirectUris, redirectUri)) {
    return { ok: false, kind: 'page', message: 'The redirect URI is not registered for this application.' };
  }
  const state = duplicates.includes('state') ? undefined : params.state;
  const fail = (error: string, description: string): AuthorizationRequestCheck => ({ ok: false, kind: 'redirect', redirectUri, state, error, description });

  if (duplicates.length > 0) return fail('invalid_request', 'A parameter was sent more than once');
  // RFC 9126 §4: a client registered to push its requests gets invalid_request for any other kind.
  if (client.requirePushedAuthorizationRequests && !options.pushed) {
    return fail('invalid_request', 'This application must use pushed authorization requests (RFC 9126)');
  }
  if (params.response_type === undefined) return fail('invalid_request', 'response_type is required');
  if (params.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
  if (!client.grantTypes.includes('authorization_code')) return fail('unauthorized_client', 'This application may not use the authorization code flow');
  // RFC 7636 §4.3 + RFC 9700 §2.1.1: PKCE is mandatory, and only S256 (plain is refused; its absence means plain).
  if (params.code_challenge === undefined) return fail('invalid_request', 'code_challenge is required (PKCE)');
  if (params.code_challenge_method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
  if (!isS256Challenge(params.code_challenge)) return fail('invalid_request', 'code_challenge is malformed');
  let scope: string;
  try {
    scope = grantedScope(params.scope, client.scopes).join(' ');
  } catch (err) {
    if (err instanceof OAuthError) return fail(err.code, 'The requested scope is not allowed for this application');
    throw err;
  }
  let resources: string[] | null;
  try {
    resources = requestedAudience(options.resources ?? [], options.knownResources ?? []);
  } catch (err) {
    if (err instanceof OAuthError) return fail(err.code, err.description ?? 'The requested resource is not valid');
    throw err;
  }
  return { ok: true, request: { client, redirectUri, scope, state, codeChallenge: params.code_challenge, resources } };
}

const REFUSALS: Record<string, new (description: string) => OAuthError> = {
  invalid_request: InvalidRequestError,
  unsupported_response_type: UnsupportedResponseTypeError,
  unauthorized_client: UnauthorizedClientError,
  invalid_scope: InvalidScopeError,
  invalid_target: InvalidTargetError,
};

/**
 * A refused request as the error a direct (JSON) answer throws, at the PAR endpoint. RFC 9126 §2.3: where RFC 6749
 * §4.1.2.1 redirects nobody (client or redirect URI not to be trusted) the code is invalid_request.
 */
export function authorizationRequestError(check: Exclude<AuthorizationRequestCheck, { ok: true }>): OAuthError {
  if (check.kind === 'page') return new InvalidRequestError(check.message);
  const Refusal = REFUSALS[check.error] ?? InvalidRequestError;
  return new Refusal(check.description);
}

/** The redirect back to the client with the response parameters and `iss` (RFC 9207 §2). */
export function authorizationResponseUrl(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
}
