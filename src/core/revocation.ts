import type { ClientRecord, Environment, TokenRepository } from '../storage/types.js';
import { UnauthorizedClientError } from './errors.js';
import { findToken, type TokenLookupDeps } from './token-lookup.js';

/**
 * RFC 7009 §2.1: revoke a token the authenticated client owns. An unknown, expired or already revoked token
 * is not an error (§2.2). Returns whether a live token was revoked. Another client's token is refused and stays active (SECURITY-CASES E5).
 */
export async function revokeToken(
  deps: TokenLookupDeps & { tokens: Pick<TokenRepository, 'find' | 'revoke'> },
  client: ClientRecord,
  environment: Environment,
  value: string,
): Promise<boolean> {
  const record = await findToken(deps, environment, value);
  if (!record) return false;
  if (record.clientId !== client.id) throw new UnauthorizedClientError('The token was not issued to this client');
  if (record.revokedAt !== null) return false;
  await deps.tokens.revoke(record.key, deps.clock.now());
  return true;
}
