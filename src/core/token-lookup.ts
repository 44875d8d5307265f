import type { Environment, TokenRecord, TokenRepository } from '../storage/types.js';
import type { Clock } from './clock.js';
import type { SecretHasher } from './secret-hasher.js';

export interface TokenLookupDeps {
  tokens: Pick<TokenRepository, 'find'>;
  hasher: SecretHasher;
  clock: Clock;
}

/** The record behind a presented token value in this environment, active or not; undefined when unknown. */
export async function findToken(deps: TokenLookupDeps, environment: Environment, value: string): Promise<TokenRecord | undefined> {
  // Tokens are printable ASCII; anything longer than any token we mint is unknown without a lookup.
  if (value.length === 0 || value.length > 4096) return undefined;
  const record = await deps.tokens.find(deps.hasher.hash('token', value));
  // A token of the other environment is unknown here (DESIGN: environments are separate worlds).
  return record && record.environment === environment ? record : undefined;
}

export function isActive(record: TokenRecord, now: number): boolean {
  return record.revokedAt === null && record.expiresAt > now;
}
