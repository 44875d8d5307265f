import type { Environment, TokenRecord, TokenRepository } from '../storage/types.js';
import type { Clock } from './clock.js';
import type { SecretHasher } from './secret-hasher.js';
import { findByTokenValue } from './token-key.js';

/** Finds the row of a JWT access token (RFC 9068): its digest, once the signature and issuer check out. */
export interface JwtAccessTokenResolver {
  digestOf(value: string, environment: Environment): Promise<string | undefined>;
}

export interface TokenLookupDeps {
  tokens: Pick<TokenRepository, 'find'>;
  hasher: SecretHasher;
  clock: Clock;
  /** Present when the server can issue or has issued JWT access tokens. */
  jwt?: JwtAccessTokenResolver | undefined;
}

/** Three base64url parts: a JWS. Opaque tokens are alphanumeric and never match. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The record behind a presented token value in this environment, active or not; undefined when unknown. */
export async function findToken(deps: TokenLookupDeps, environment: Environment, value: string): Promise<TokenRecord | undefined> {
  // Tokens are printable ASCII; anything longer than any token we mint is unknown without a lookup.
  if (value.length === 0 || value.length > 4096) return undefined;
  let record: TokenRecord | undefined;
  if (deps.jwt && value.includes('.') && JWT_SHAPE.test(value)) {
    const digest = await deps.jwt.digestOf(value, environment);
    if (digest === undefined) return undefined;
    record = await deps.tokens.find(digest);
  } else {
    record = await findByTokenValue(deps.tokens, deps.hasher, value);
  }
  // A token of the other environment is unknown here (DESIGN: environments are separate worlds).
  return record && record.environment === environment ? record : undefined;
}

export function isActive(record: TokenRecord, now: number): boolean {
  return record.revokedAt === null && record.expiresAt > now;
}
