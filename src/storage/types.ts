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
  /** Renames a live client; false when there is none. */
  rename(id: string, name: string): Promise<boolean>;
  /** Soft-deletes the client and revokes every token it holds, in one transaction (ASVS 10.4.9). */
  delete(id: string, now: number): Promise<boolean>;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<void>;
  find(hash: string): Promise<TokenRecord | undefined>;
  /** Revokes one token; revoking a refresh token revokes its whole grant (RFC 7009 §2.1). Idempotent. */
  revoke(hash: string, now: number): Promise<void>;
  revokeByClient(clientId: string, now: number): Promise<number>;
  countActiveByClient(clientId: string, now: number): Promise<number>;
  /** Deletes at most `limit` tokens that expired before `before`; returns how many went. */
  purgeExpired(before: number, limit: number): Promise<number>;
}

// ---- Web Account (0002_accounts) ----

export interface MerchantRecord {
  id: string;
  /** Normalised: trimmed and lower-cased. */
  email: string;
  /** argon2id PHC string. */
  passwordHash: string;
  createdAt: number;
  passwordChangedAt: number;
}

export interface MerchantRepository {
  /** False when the email is taken (one conditional insert: two racing sign-ups cannot both win). */
  create(merchant: MerchantRecord): Promise<boolean>;
  find(id: string): Promise<MerchantRecord | undefined>;
  findByEmail(email: string): Promise<MerchantRecord | undefined>;
  setPassword(id: string, passwordHash: string, now: number): Promise<void>;
}

export interface SessionRecord {
  /** Keyed hash of the session id (the id itself is only in the cookie). */
  idHash: string;
  merchantId: string;
  createdAt: number;
  authenticatedAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  find(idHash: string): Promise<SessionRecord | undefined>;
  touch(idHash: string, now: number): Promise<void>;
  reauthenticated(idHash: string, now: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of the merchant except `keepIdHash` (password change, "log out everywhere"). */
  deleteForMerchant(merchantId: string, keepIdHash?: string): Promise<number>;
  purgeExpired(now: number, limit: number): Promise<number>;
}

export interface AuditEvent {
  id: number;
  merchantId: string | null;
  clientId: string | null;
  environment: Environment | null;
  action: string;
  actor: string;
  ip: string | null;
  detail: Record<string, unknown> | null;
  count: number;
  at: number;
}

export interface AuditRepository {
  append(events: Array<Omit<AuditEvent, 'id'>>): Promise<void>;
  listForMerchant(merchantId: string | null, limit: number): Promise<AuditEvent[]>;
  listForClient(clientId: string, limit: number): Promise<AuditEvent[]>;
}

export interface UsageIncrement {
  clientId: string;
  /** Start of the hour, Unix seconds. */
  hour: number;
  issued: number;
  failed: number;
}

export interface ClientActivity {
  /** Newest token issued_at (falls back to the newest usage hour once tokens are purged); null if never used. */
  lastUsedAt: number | null;
  activeTokens: number;
}

export interface UsageRepository {
  /** Adds the increments to the per-client hourly counters (one upsert each: additive across nodes). */
  add(increments: UsageIncrement[]): Promise<void>;
  /** Hourly counters of one client from `sinceHour` on, oldest first. */
  hourly(clientId: string, sinceHour: number): Promise<UsageIncrement[]>;
  /** Last use and live token count of each client, in two grouped queries. */
  activity(clientIds: string[], now: number): Promise<Map<string, ClientActivity>>;
  /** Deletes the counters of at most `limit` whole hours before `beforeHour`; returns how many rows went. */
  purgeBefore(beforeHour: number, limit: number): Promise<number>;
  /** Which of these ids are live clients, with their merchant and environment (to file bulk failures). */
  owners(clientIds: string[]): Promise<Map<string, { merchantId: string | null; environment: Environment }>>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly clients: ClientRepository;
  readonly tokens: TokenRepository;
  readonly merchants: MerchantRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditRepository;
  readonly usage: UsageRepository;
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
