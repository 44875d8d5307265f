import type { ClientRecord, Environment, TokenKind, TokenRecord, TokenRepository } from '../storage/types.js';
import type { Clock } from './clock.js';
import type { SecretHasher } from './secret-hasher.js';
import { newTimeOrderedToken, tokenKey } from './token-key.js';

export interface TokenLifetimes {
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl: number;
  /** Refresh token absolute lifetime in seconds: the end of the grant, never extended by rotation. */
  refreshTokenTtl: number;
  /** Refresh token idle lifetime in seconds: unused this long, it dies. */
  refreshTokenIdleTtl: number;
}

export interface MintedToken {
  value: string;
  record: TokenRecord;
  expiresIn: number;
}

export interface GrantBinding {
  grantId: string | null;
  subject: string | null;
  /** Refresh tokens: the grant's absolute end (defaults to now + refreshTokenTtl for a new grant). */
  familyExpiresAt?: number;
  /** The resource servers (RFC 8707) the token may be used at; null or absent: unrestricted. */
  audience?: string[] | null;
  /** RFC 9449 §6: the thumbprint of the DPoP key the token is bound to; absent for a bearer token. */
  jkt?: string | null | undefined;
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

  /**
   * A new token and its record, not yet stored (for grants that store it inside their own transaction).
   * Async so a format that signs (RFC 9068 JWTs, src/jwt/) can override it.
   */
  async mint(kind: TokenKind, client: ClientRecord, environment: Environment, scope: string, grant: GrantBinding): Promise<MintedToken> {
    const { hasher, clock, lifetimes } = this.deps;
    // The prefix only orders rows in the index (token-key.ts); it is no protocol time, so it reads the wall
    // clock in milliseconds rather than the injected clock, which tests may hold still.
    const value = newTimeOrderedToken(Date.now());
    const now = clock.now();
    let expiresAt: number;
    let familyExpiresAt: number | null = null;
    if (kind === 'access') {
      expiresAt = now + lifetimes.accessTokenTtl;
    } else {
      familyExpiresAt = grant.familyExpiresAt ?? now + lifetimes.refreshTokenTtl;
      expiresAt = Math.min(familyExpiresAt, now + lifetimes.refreshTokenIdleTtl);
    }
    const record: TokenRecord = {
      key: tokenKey(hasher, value),
      kind,
      clientId: client.id,
      environment,
      scope,
      issuedAt: now,
      expiresAt,
      revokedAt: null,
      grantId: grant.grantId,
      subject: grant.subject,
      rotatedAt: null,
      familyExpiresAt,
      audience: grant.audience ?? null,
      jkt: grant.jkt ?? null,
    };
    return { value, record, expiresIn: expiresAt - now };
  }

  /** Mints and stores an access token in one step (client_credentials). */
  async issue(kind: TokenKind, client: ClientRecord, environment: Environment, scope: string, grant: GrantBinding): Promise<MintedToken> {
    const minted = await this.mint(kind, client, environment, scope, grant);
    await this.deps.tokens.insert(minted.record);
    return minted;
  }
}
