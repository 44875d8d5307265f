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

/**
 * A JWT signing key of one environment (RFC 9068 access tokens). It signs from `activatesAt` until `deactivatesAt`,
 * is published in the JWKS from before it signs until `expiresAt`, when every token it signed has expired.
 */
export interface SigningKeyRecord {
  /** RFC 7638 JWK thumbprint of the public key. */
  kid: string;
  environment: Environment;
  alg: 'ES256';
  /** The public key as a JSON-serialised JWK. */
  publicJwk: string;
  /** The private JWK, encrypted under a key derived from the server key (never stored in the clear). */
  privateKeyEncrypted: string;
  createdAt: number;
  activatesAt: number;
  deactivatesAt: number;
  expiresAt: number;
}

export interface SigningKeyRepository {
  /**
   * Inserts a key unless the environment already has one with the same `activatesAt` (another node won the race).
   * Returns whether this key was inserted.
   */
  insertIfAbsent(key: SigningKeyRecord): Promise<boolean>;
  /** The environment's keys that have not expired at `now`, oldest activation first. */
  listLive(environment: Environment, now: number): Promise<SigningKeyRecord[]>;
  /** Deletes at most `limit` keys that expired before `before`; returns how many went. */
  purgeExpired(before: number, limit: number): Promise<number>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly clients: ClientRepository;
  readonly tokens: TokenRepository;
  readonly signingKeys: SigningKeyRepository;
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
