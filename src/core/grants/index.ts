import { UnsupportedGrantTypeError } from '../errors.js';
import { clientCredentialsGrant } from './client-credentials.js';
import type { GrantHandler } from './grant.js';

/** grant_type → handler. Values are case-sensitive (RFC 6749 §3.2); `password` and `implicit` are not here (RFC 9700 §2.4). */
export const GRANTS: Readonly<Record<string, GrantHandler>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, GrantHandler>, {
    client_credentials: clientCredentialsGrant,
  }),
);

export const SUPPORTED_GRANT_TYPES = Object.keys(GRANTS);

export function grantHandler(grantType: string): GrantHandler {
  const handler = GRANTS[grantType];
  if (!handler) throw new UnsupportedGrantTypeError(`Unsupported grant_type`);
  return handler;
}
