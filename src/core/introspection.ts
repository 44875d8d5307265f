import type { ClientRecord, Environment } from '../storage/types.js';
import { findToken, isActive, type TokenLookupDeps } from './token-lookup.js';

type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      /** `DPoP` for an access token bound to a key (RFC 9449 §6.2). */
      token_type: 'Bearer' | 'DPoP' | 'refresh_token';
      exp: number;
      iat: number;
      iss: string;
      sub?: string;
      /** RFC 7662 §2.2: the resource servers (RFC 8707) the token is restricted to; absent when unrestricted. */
      aud?: string | string[];
      /** RFC 9449 §6.2: the thumbprint of the key a DPoP-bound token is bound to. */
      cnf?: { jkt: string };
    };

/**
 * RFC 7662 §2.2: describe a token to a caller entitled to see it. A client sees its own tokens; a client
 * registered as a resource server sees every token of its environment. Anything else, like an unknown,
 * expired or revoked token, is `{"active": false}` and nothing more. A DPoP-bound token says so, with its key's
 * thumbprint (RFC 9449 §6.2), so a resource server asks for a proof of that key.
 */
export async function introspect(
  deps: TokenLookupDeps,
  caller: ClientRecord,
  environment: Environment,
  issuer: string,
  value: string,
): Promise<IntrospectionResponse> {
  const record = await findToken(deps, environment, value);
  if (!record || !isActive(record, deps.clock.now())) return { active: false };
  if (!caller.isResourceServer && record.clientId !== caller.id) return { active: false };
  return {
    active: true,
    scope: record.scope,
    client_id: record.clientId,
    token_type: record.kind === 'access' ? (record.jkt ? 'DPoP' : 'Bearer') : 'refresh_token',
    exp: record.expiresAt,
    iat: record.issuedAt,
    iss: issuer,
    ...(record.subject ? { sub: record.subject } : {}),
    ...(record.audience ? { aud: record.audience.length === 1 ? record.audience[0]! : record.audience } : {}),
    ...(record.jkt ? { cnf: { jkt: record.jkt } } : {}),
  };
}
