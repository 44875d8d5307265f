/**
 * The storage interface every backend implements (SQLite, PostgreSQL). Times are Unix seconds.
 * Secrets and tokens appear here only as keyed digests (see core/secret-hasher.ts).
 */
export type Environment = 'sandbox' | 'production';
export const ENVIRONMENTS: readonly Environment[] = ['sandbox', 'production'];

export interface ClientRecord {
  /** The 24-character Client ID. */
  id: string;
  environment: Environment;
  name: string;
  /** Digest of the current secret; null for a public client (PKCE only). */
  secretHash: string | null;
  /** Digest of the secret replaced by the last rotation, valid until previousSecretExpiresAt. */
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
  scopes: string[];
  grantTypes: string[];
  redirectUris: string[];
  /** A resource server may introspect any token of its environment (RFC 7662 §2.1). */
  isResourceServer: boolean;
  merchantId: string | null;
  createdAt: number;
}

export type TokenKind = 'access' | 'refresh';

export interface TokenRecord {
  /** Digest of the token value; the primary key. */
  hash: string;
  kind: TokenKind;
  clientId: string;
  environment: Environment;
  /** Space-separated granted scope. */
  scope: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** Tokens of one authorization grant share this id, so a grant is revoked as a whole (RFC 9700 §4.14.2). */
  grantId: string | null;
  /** The merchant who authorized the grant (authorization_code); null for client_credentials. */
  subject: string | null;
  /** Refresh tokens: when it was exchanged for a new pair (RFC 9700 §4.14.2 rotation); null while unused. */
  rotatedAt?: number | null;
  /** Refresh tokens: the absolute end of the grant, which rotation never extends. */
  familyExpiresAt?: number | null;
}

export interface AuthorizationCodeRecord {
  /** Digest of the code value. */
  hash: string;
  clientId: string;
  environment: Environment;
  redirectUri: string;
  scope: string;
  /** RFC 7636 S256 code_challenge. */
  codeChallenge: string;
  /** The merchant who consented. */
  subject: string;
  /** Every token issued from this code carries it, so a replayed code revokes them all. */
  grantId: string;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

export interface AuthorizationCodeRepository {
  create(code: AuthorizationCodeRecord): Promise<void>;
  find(hash: string): Promise<AuthorizationCodeRecord | undefined>;
  /**
   * Marks the code used and stores the tokens issued for it, in one transaction with one conditional
   * update: of any number of concurrent redemptions exactly one gets 'redeemed' (RFC 6749 §4.1.2).
   */
  redeem(hash: string, now: number, tokens: TokenRecord[]): Promise<'redeemed' | 'already_used'>;
  purgeExpired(before: number, limit: number): Promise<number>;
}

export interface ClientFilter {
  environment?: Environment;
  merchantId?: string | null;
}

export interface ClientRepository {
  create(client: ClientRecord): Promise<void>;
  /** A live (not deleted) client, or undefined. */
  find(id: string): Promise<ClientRecord | undefined>;
  list(filter: ClientFilter): Promise<ClientRecord[]>;
  count(): Promise<number>;
  /**
   * Replaces the secret. The old digest stays valid until `previousExpiresAt` (a grace period; `now` means it dies
   * at once). Returns false when the client does not exist.
   */
  rotateSecret(id: string, newHash: string, previousExpiresAt: number, now: number): Promise<boolean>;
  /** Soft-deletes the client and revokes every token it holds, in one transaction (ASVS 10.4.9). */
  delete(id: string, now: number): Promise<boolean>;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<void>;
  find(hash: string): Promise<TokenRecord | undefined>;
  /** Revokes one token; revoking a refresh token revokes its whole grant (RFC 7009 §2.1). Idempotent. */
  revoke(hash: string, now: number): Promise<void>;
  revokeByClient(clientId: string, now: number): Promise<number>;
  /** Revokes every token of a grant (code replay, refresh-token reuse); returns how many were live. */
  revokeGrant(grantId: string, now: number): Promise<number>;
  /**
   * Refresh-token rotation: marks the token rotated and stores its successors in one transaction with one
   * conditional update, so of concurrent rotations exactly one gets 'rotated'.
   */
  rotateRefresh(hash: string, now: number, successors: TokenRecord[]): Promise<'rotated' | 'lost'>;
  /** Stores several tokens atomically (the grace-window reissue of a just-rotated refresh token). */
  insertMany(tokens: TokenRecord[]): Promise<void>;
  countActiveByClient(clientId: string, now: number): Promise<number>;
  /** Deletes at most `limit` tokens that expired before `before`; returns how many went. */
  purgeExpired(before: number, limit: number): Promise<number>;
}

/** A fixed window of failed authentications for one limiter key. */
export interface FailureWindow {
  windowStart: number;
  count: number;
}

/** Shared counters behind the brute-force limiter, so every server process sees the same counts. */
export interface FailureCounterRepository {
  /** Windows of these keys that started after `since`. */
  read(keys: string[], since: number): Promise<Map<string, FailureWindow>>;
  /** Adds one failure to each key, opening a new window where the old one is older than `windowSeconds`. */
  increment(keys: string[], now: number, windowSeconds: number): Promise<void>;
  /** Deletes windows that started before `before`, at most `limit` of them. */
  purge(before: number, limit: number): Promise<number>;
}

/** Connection pool figures for metrics (PostgreSQL); undefined for the embedded database. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly clients: ClientRepository;
  readonly tokens: TokenRepository;
  readonly failures: FailureCounterRepository;
  readonly codes: AuthorizationCodeRepository;
  poolStats(): PoolStats | undefined;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a backend when the database cannot serve the request now (locked, unreachable, disk full). */
export class StorageUnavailableError extends Error {
  constructor(cause: unknown) {
    super('storage unavailable', { cause });
  }
}
