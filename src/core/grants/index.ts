import { UnsupportedGrantTypeError } from '../errors.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { refreshTokenGrant } from './refresh-token.js';
import type { GrantHandler } from './grant.js';

/** grant_type → handler. Values are case-sensitive (RFC 6749 §3.2); `password` and `implicit` are not here (RFC 9700 §2.4). */
const GRANTS: Readonly<Record<string, GrantHandler>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, GrantHandler>, {
    client_credentials: clientCredentialsGrant,
    authorization_code: authorizationCodeGrant,
    refresh_token: refreshTokenGrant,
  }),
);

export const SUPPORTED_GRANT_TYPES = Object.keys(GRANTS);

/** Grants a public client (no secret, PKCE) may use (RFC 6749 §2.1). */
export const PUBLIC_CLIENT_GRANTS: readonly string[] = ['authorization_code', 'refresh_token'];

export function grantHandler(grantType: string): GrantHandler {
  const handler = GRANTS[grantType];
  if (!handler) throw new UnsupportedGrantTypeError(`Unsupported grant_type`);
  return handler;
}
