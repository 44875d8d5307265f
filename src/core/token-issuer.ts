import type { ClientRecord, Environment, TokenKind, TokenRepository } from '../storage/types.js';
import type { Clock } from './clock.js';
import { newOpaqueToken } from './random.js';
import type { SecretHasher } from './secret-hasher.js';

export interface TokenLifetimes {
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl: number;
  /** Refresh token absolute lifetime in seconds. */
  refreshTokenTtl: number;
}

export interface IssuedToken {
  value: string;
  expiresIn: number;
  expiresAt: number;
}

/** Mints opaque tokens and records their digests; the plaintext leaves only in the response. */
export class TokenIssuer {
  constructor(
    private readonly deps: {
      tokens: Pick<TokenRepository, 'insert'>;
      hasher: SecretHasher;
      clock: Clock;
      lifetimes: TokenLifetimes;
    },
  ) {}

  async issue(
    kind: TokenKind,
    client: ClientRecord,
    environment: Environment,
    scope: string,
    grant: { grantId: string | null; subject: string | null },
  ): Promise<IssuedToken> {
    const { hasher, clock, lifetimes } = this.deps;
    const value = newOpaqueToken();
    const now = clock.now();
    const ttl = kind === 'access' ? lifetimes.accessTokenTtl : lifetimes.refreshTokenTtl;
    const expiresAt = now + ttl;
    await this.deps.tokens.insert({
      hash: hasher.hash('token', value),
      kind,
      clientId: client.id,
      environment,
      scope,
      issuedAt: now,
      expiresAt,
      revokedAt: null,
      grantId: grant.grantId,
      subject: grant.subject,
    });
    return { value, expiresIn: ttl, expiresAt };
  }
}
