/**
 * The storage interface every backend implements (SQLite, PostgreSQL). Times are Unix seconds.
 * Secrets and tokens appear here only as keyed digests (see core/secret-hasher.ts).
 */
export type Environment = 'sandbox' | 'production';
export const ENVIRONMENTS: readonly Environment[] = ['sandbox', 'production'];

/**
 * A registered public JSON Web Key (RFC 7517 §4), reduced to its public members (`kty`, `crv`, `x`, `y`, `n`, `e`)
 * and `kid`, `alg`, `use`. Private members are refused at registration and never stored.
 */
export type PublicJwk = Readonly<Record<string, string>>;

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
  /** Its authorization requests must be pushed (RFC 9126 §4); a plain one is refused with invalid_request. */
  requirePushedAuthorizationRequests?: boolean;
  /** RFC 9449 §5.2: every token request must carry a DPoP proof, so every token this client gets is key-bound. */
  dpopBoundAccessTokens: boolean;
  /**
   * A private_key_jwt client's public keys (RFC 7523 §2.2; at most four, so a new key can join before the old one
   * leaves). Such a client has no secret. Absent or null for every other client.
   */
  publicKeys?: PublicJwk[] | null;
}

export type TokenKind = 'access' | 'refresh';

export interface TokenRecord {
  /** The token's storage key (core/token-key.ts: issue-time prefix + keyed digest); the primary key. */
  key: string;
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
  /** The resource indicators (RFC 8707) the token may be used at; null or absent: unrestricted. */
  audience?: string[] | null;
  /** RFC 9449 §6: the JWK thumbprint (RFC 7638) of the key the token is bound to; null or absent for a bearer token. */
  jkt?: string | null;
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
  /** The resources (RFC 8707) named in the authorization request; null or absent: none, so unrestricted. */
  resources?: string[] | null;
}

/** An authorization request pushed to /oauth/par (RFC 9126 §2), waiting for its one use at /oauth/authorize. */
export interface PushedAuthorizationRequestRecord {
  /** Keyed digest of the request_uri's random part. */
  hash: string;
  clientId: string;
  environment: Environment;
  /** The authorization request parameters, checked when pushed and checked again when used. */
  params: Record<string, string>;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

export interface PushedAuthorizationRequestRepository {
  create(request: PushedAuthorizationRequestRecord): Promise<void>;
  /** The request, used or not, expired or not; undefined when unknown. */
  find(hash: string): Promise<PushedAuthorizationRequestRecord | undefined>;
  /**
   * Uses the request: one conditional update that succeeds only while it is unused and unexpired, so of any number
   * of concurrent uses exactly one gets true (RFC 9126 §4: one-time use; an expired request_uri is invalid).
   */
  consume(hash: string, now: number): Promise<boolean>;
  /** Deletes at most `limit` requests that expired before `before`; returns how many went. */
  purgeExpired(before: number, limit: number): Promise<number>;
}

/** A merchant's remembered consent for a client (RFC 6749 §4.1.1: the resource owner's authorization). */
export interface ConsentRecord {
  merchantId: string;
  clientId: string;
  /** Space-separated scope consented to. */
  scope: string;
  createdAt: number;
  updatedAt: number;
}

export interface ConsentRepository {
  find(merchantId: string, clientId: string): Promise<ConsentRecord | undefined>;
  /** Records consent, widening a remembered scope to the union of old and new. */
  upsert(consent: ConsentRecord): Promise<void>;
  /** Forgets the consent; true when there was one. */
  delete(merchantId: string, clientId: string): Promise<boolean>;
  listForMerchant(merchantId: string): Promise<ConsentRecord[]>;
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

/** What the Web Account shows of a client's secrets: never a digest, only a 4-character hint and use times. */
export interface SecretDetails {
  /** Last four characters of the current secret; null for a public client or one created before hints. */
  hint: string | null;
  lastUsedAt: number | null;
  /** The secret replaced by the last rotation (meaningful while its grace period runs). */
  previousHint: string | null;
  previousLastUsedAt: number | null;
}

/** One successful authentication with the secret whose digest is `secretHash`. */
export interface SecretUse {
  clientId: string;
  secretHash: string;
  at: number;
}

export interface ClientRepository {
  /** Stores a new client; `secretHint` is the last four characters of its secret, the only part ever kept. */
  create(client: ClientRecord, secretHint?: string | null): Promise<void>;
  /** A live (not deleted) client, or undefined. */
  find(id: string): Promise<ClientRecord | undefined>;
  /** Only the environment and merchant of a live client: what the Webhook API asks on every request. */
  findOwner(id: string): Promise<Pick<ClientRecord, 'environment' | 'merchantId'> | undefined>;
  list(filter: ClientFilter): Promise<ClientRecord[]>;
  count(): Promise<number>;
  /**
   * Replaces the secret. The old digest stays valid until `previousExpiresAt` (a grace period; `now` means it dies
   * at once). Returns false when the client does not exist.
   */
  rotateSecret(id: string, newHash: string, previousExpiresAt: number, now: number, newHint?: string | null): Promise<boolean>;
  /**
   * Ends a grace period now: the previous secret stops working. One conditional statement, so of two
   * concurrent calls one answers true; false when no previous secret was still valid.
   */
  expirePreviousSecret(id: string, now: number): Promise<boolean>;
  /**
   * Replaces a private_key_jwt client's public keys, if they are still `expected` (compare and set, so of two
   * concurrent edits of the key set one wins and the other is told). False when the client is gone, has no keys,
   * or its keys changed since they were read.
   */
  replacePublicKeys(id: string, expected: PublicJwk[], next: PublicJwk[]): Promise<boolean>;
  /** Replaces a live client's allowed scopes; false when there is none. */
  setScopes(id: string, scopes: string[]): Promise<boolean>;
  secretDetails(ids: string[]): Promise<Map<string, SecretDetails>>;
  /** Records when each secret was last used; a use counts for whichever slot holds that digest now. */
  recordSecretUses(uses: SecretUse[]): Promise<void>;
  /** Renames a live client; false when there is none. */
  rename(id: string, name: string): Promise<boolean>;
  /** Soft-deletes the client and revokes every token it holds, in one transaction (ASVS 10.4.9). */
  delete(id: string, now: number): Promise<boolean>;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<void>;
  find(key: string): Promise<TokenRecord | undefined>;
  /** Revokes one token; revoking a refresh token revokes its whole grant (RFC 7009 §2.1). Idempotent. */
  revoke(key: string, now: number): Promise<void>;
  revokeByClient(clientId: string, now: number): Promise<number>;
  /** Revokes every token a merchant granted a client (consent withdrawn); returns how many were live. */
  revokeBySubject(clientId: string, subject: string, now: number): Promise<number>;
  /** Revokes every token of a grant (code replay, refresh-token reuse); returns how many were live. */
  revokeGrant(grantId: string, now: number): Promise<number>;
  /**
   * Refresh-token rotation: marks the token rotated and stores its successors in one transaction with one
   * conditional update, so of concurrent rotations exactly one gets 'rotated'.
   */
  rotateRefresh(key: string, now: number, successors: TokenRecord[]): Promise<'rotated' | 'lost'>;
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
interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
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
  /** The password was entered but the second step (two-factor sign-in) was not: the session signs in nothing yet. */
  secondFactorPending: boolean;
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  find(idHash: string): Promise<SessionRecord | undefined>;
  touch(idHash: string, now: number): Promise<void>;
  reauthenticated(idHash: string, now: number): Promise<void>;
  /**
   * Turns a session waiting for its second step into a signed-in one, in one conditional statement: false
   * when it was not waiting (already completed, or gone).
   */
  completeSecondFactor(idHash: string, now: number, expiresAt: number): Promise<boolean>;
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
  readonly failures: FailureCounterRepository;
  readonly codes: AuthorizationCodeRepository;
  poolStats(): PoolStats | undefined;
  readonly webhooks: WebhookRepository;
  readonly listenSessions: ListenSessionRepository;
  readonly merchants: MerchantRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditRepository;
  readonly usage: UsageRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly consents: ConsentRepository;
  readonly formSubmissions: FormSubmissionRepository;
  readonly secretReveals: SecretRevealRepository;
  readonly pushedRequests: PushedAuthorizationRequestRepository;
  readonly twoFactor: TwoFactorRepository;
  readonly usedJtis: UsedJtiRepository;
  readonly passkeys: PasskeyRepository;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Once-only form submissions (the Web Account's POST → 303 → GET): the first request with a nonce claims
 * it, later ones read the first one's outcome instead of acting again.
 */
export interface FormSubmissionRepository {
  /** True for the one caller that inserted the nonce; false when it was already there. */
  claim(nonceHash: string, scopeHash: string, now: number): Promise<boolean>;
  find(nonceHash: string): Promise<{ scopeHash: string; outcome: string | null } | undefined>;
  complete(nonceHash: string, outcome: string): Promise<void>;
  /** Forgets a claim whose action did not happen (bad input), so the form can be sent again. */
  release(nonceHash: string): Promise<void>;
  purgeBefore(before: number, limit: number): Promise<number>;
}

/** What a once-shown secret is: a credential's new secret, a webhook's rolled signing secret, or a merchant's new recovery codes. */
export type SecretRevealKind = 'created' | 'rotated' | 'webhook_rolled' | 'recovery_codes';
/**
 * Single-use JWT ids, shared by every node: a DPoP proof (RFC 9449 §11.1) or a client assertion (RFC 7523 §3)
 * is accepted once. Each kind of id is a `purpose` of its own; the caller keys the id (core/replay-key.ts).
 */
export interface UsedJtiRepository {
  /**
   * Records the id until `expiresAt`: true for the one caller that inserted it, false when it was already there
   * (a replay). One conditional insert, so of any number of concurrent claims exactly one gets true.
   */
  claimOnce(purpose: string, jtiKey: string, expiresAt: number): Promise<boolean>;
  /** Deletes at most `limit` ids whose `expiresAt` is before `before`; returns how many went. */
  purgeExpired(before: number, limit: number): Promise<number>;
}

export interface SecretRevealRecord {
  refHash: string;
  sessionHash: string;
  /** The credential's id; the webhook's for `webhook_rolled`; the merchant's for recovery codes. */
  clientId: string;
  kind: SecretRevealKind;
  sealed: string;
  createdAt: number;
  expiresAt: number;
}

export type SecretRevealTake =
  | { status: 'shown'; clientId: string; kind: SecretRevealKind; sealed: string }
  | { status: 'already_shown'; clientId: string; kind: SecretRevealKind }
  | { status: 'unknown' };

export interface SecretRevealRepository {
  create(reveal: SecretRevealRecord): Promise<void>;
  /**
   * Hands out the sealed secret once and erases it in the same conditional statement: of any number of
   * concurrent takes one gets 'shown'. Another session's or an expired reference is 'unknown'.
   */
  take(refHash: string, sessionHash: string, now: number): Promise<SecretRevealTake>;
  purgeExpired(before: number, limit: number): Promise<number>;
}

// ---- Two-factor sign-in (0012_two_factor) ----

export interface TwoFactorRecord {
  merchantId: string;
  /** The TOTP secret, sealed (never stored in the clear). */
  secretSealed: string;
  createdAt: number;
  /** Null while the enrolment waits for its first valid code. */
  enabledAt: number | null;
  /** Keyed hash of the session that started a pending enrolment. */
  setupSessionHash: string | null;
  /** The last accepted time step (RFC 6238 §5.2). */
  lastStep: number | null;
}

export interface TwoFactorRepository {
  find(merchantId: string): Promise<TwoFactorRecord | undefined>;
  /**
   * Starts (or restarts) an enrolment with a new sealed secret. False when two-factor sign-in is already on:
   * a pending enrolment may be replaced, an enabled one never.
   */
  startSetup(record: { merchantId: string; secretSealed: string; createdAt: number; setupSessionHash: string }): Promise<boolean>;
  /**
   * Finishes the pending enrolment started by `setupSessionHash`, records `step` as used and stores the
   * recovery codes' hashes, in one transaction; false when there was no such pending enrolment.
   */
  enable(merchantId: string, setupSessionHash: string, step: number, now: number, recoveryCodeHashes: string[]): Promise<boolean>;
  /** Records `step` as used if it is later than the last used one (one conditional statement). */
  acceptStep(merchantId: string, step: number): Promise<boolean>;
  /** Marks the recovery code used if it is the merchant's and unused (one conditional statement). */
  useRecoveryCode(merchantId: string, codeHash: string, now: number): Promise<boolean>;
  /** Replaces every recovery code of the merchant with these, in one transaction. */
  replaceRecoveryCodes(merchantId: string, codeHashes: string[], now: number): Promise<void>;
  /** How many recovery codes the merchant has not used. */
  unusedRecoveryCodes(merchantId: string): Promise<number>;
  /** Removes the merchant's secret, recovery codes and passkeys; false when there was nothing enabled. */
  disable(merchantId: string): Promise<boolean>;
  /** Deletes at most `limit` enrolments never finished and started before `before`. */
  purgeAbandonedSetups(before: number, limit: number): Promise<number>;
}

// ---- Webhook API (src/webhooks/) ----

/** Whose webhooks: a merchant (or the built-in operator account) in one environment. */
export interface WebhookOwner {
  owner: string;
  environment: Environment;
}

export interface WebhookRecord extends WebhookOwner {
  id: string;
  payloadUrl: string;
  /** The signing secret, AES-256-GCM encrypted (it must be usable to sign, so it cannot be a one-way hash). */
  secretCiphertext: string;
  /** The secret replaced by the last roll, sealed the same way; it signs too until previousSecretExpiresAt. */
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: number | null;
  isActive: boolean;
  /** Since when deliveries are held (events still queue and wait, none fails); null when not paused. */
  pausedAt: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  /** Null for a webhook with a URL; a listen session's expiry (sandbox), pushed back by each poll. */
  listenExpiresAt: number | null;
}

export interface SubscriptionRecord extends WebhookOwner {
  id: string;
  webhookId: string;
  eventId: string;
  /** JSON text, e.g. `{"tids":["12345678"]}`; null for every event of that kind. */
  filter: string | null;
  createdAt: number;
  deletedAt: number | null;
}

export type NotificationStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** One event to deliver to one webhook: the outbox row, and afterwards the delivery log. */
export interface NotificationRecord extends WebhookOwner {
  id: string;
  webhookId: string;
  subscriptionId: string | null;
  event: string;
  /** The exact JSON body sent (and signed) on every attempt. */
  payload: string;
  /** Where it was (or will be) sent. */
  url: string;
  status: NotificationStatus;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  /** After this, a failing notification is given up (myPOS: retries for up to 3 days). */
  giveUpAt: number;
  sentAt: number | null;
  responseCode: number | null;
  lastError: string | null;
}

/** `automatic`: the delivery worker's; `manual_resend`: a resend asked for through the API or the Web Account. */
export type AttemptKind = 'automatic' | 'manual_resend';

/** One delivery attempt of a notification, as its log lists it. */
export interface AttemptRecord {
  kind: AttemptKind;
  attemptedAt: number;
  ok: boolean;
  responseCode: number | null;
  error: string | null;
  url: string;
}

export interface PageRequest {
  offset: number;
  limit: number;
}

export interface PageOf<T> {
  items: T[];
  total: number;
}

export interface AttemptResult {
  status: NotificationStatus;
  sentAt: number;
  responseCode: number | null;
  lastError: string | null;
  nextAttemptAt: number;
  url: string;
}

export interface WebhookRepository {
  createWebhook(w: WebhookRecord): Promise<void>;
  /** A webhook of this owner, deleted ones included (they show `deleted_on`). */
  findWebhook(o: WebhookOwner, id: string): Promise<WebhookRecord | undefined>;
  /** Live (not deleted) webhooks, oldest first. */
  listWebhooks(o: WebhookOwner, page: PageRequest): Promise<PageOf<WebhookRecord>>;
  /**
   * Changes a live webhook; false when there is none of this owner. A new `secretCiphertext` replaces the secret
   * in the same statement that keeps the one it replaces signing until `previousSecretExpiresAt` (absent or not
   * after `now`: the old secret stops at once, and one kept from an earlier roll goes too).
   */
  updateWebhook(
    o: WebhookOwner,
    id: string,
    changes: { payloadUrl?: string; secretCiphertext?: string; previousSecretExpiresAt?: number; isActive?: boolean },
    now: number,
  ): Promise<boolean>;
  /** Holds a live webhook's deliveries from `now`; false when there is none of this owner or it is already paused. */
  pauseWebhook(o: WebhookOwner, id: string, now: number): Promise<boolean>;
  /**
   * Lets a paused webhook's deliveries go again, in one transaction: its pending notifications' give-up times move
   * on by the time it was paused, so a pause never uses up their retry window. False when it was not paused.
   */
  resumeWebhook(o: WebhookOwner, id: string, now: number): Promise<boolean>;
  /** Soft-deletes a live webhook, its subscriptions, and cancels its pending notifications, in one transaction. */
  deleteWebhook(o: WebhookOwner, id: string, now: number): Promise<boolean>;

  createSubscription(s: SubscriptionRecord): Promise<void>;
  /** A live subscription with its webhook. */
  findSubscription(o: WebhookOwner, id: string): Promise<{ subscription: SubscriptionRecord; webhook: WebhookRecord } | undefined>;
  /** Live subscriptions, oldest first; with `webhookId`, only that webhook's. */
  listSubscriptions(
    o: WebhookOwner,
    page: PageRequest,
    filter?: { webhookId?: string },
  ): Promise<PageOf<{ subscription: SubscriptionRecord; webhook: WebhookRecord }>>;
  updateSubscription(o: WebhookOwner, id: string, changes: { webhookId: string; eventId: string; filter: string | null }): Promise<boolean>;
  deleteSubscription(o: WebhookOwner, id: string, now: number): Promise<boolean>;
  /** Live subscriptions to one event, with their live, active webhooks (for publishing). */
  subscribersOf(o: WebhookOwner, eventId: string): Promise<Array<{ subscription: SubscriptionRecord; webhook: WebhookRecord }>>;

  enqueue(notifications: NotificationRecord[]): Promise<void>;
  /** Notifications, newest first; with `webhookId`, only that webhook's. */
  listNotifications(o: WebhookOwner, page: PageRequest, filter?: { webhookId?: string }): Promise<PageOf<NotificationRecord>>;
  findNotification(o: WebhookOwner, id: string): Promise<NotificationRecord | undefined>;
  /** The attempts of a notification, oldest first (recorded since 0010). */
  listAttempts(notificationId: string): Promise<AttemptRecord[]>;
  /**
   * Records a manual attempt; when it succeeded, a notification not yet delivered becomes `delivered` (its
   * retries stop), in the same transaction. A delivered one keeps the outcome of its first delivery.
   */
  recordResend(notificationId: string, attempt: AttemptRecord): Promise<void>;
  /**
   * Deletes at most `limit` finished (not pending) notifications created before `before`, with their attempts;
   * returns how many notifications went.
   */
  purgeNotifications(before: number, limit: number): Promise<number>;

  // ---- the delivery worker ----
  /**
   * Ids of live, active, unpaused webhooks (listen sessions not expired) with a due notification and no
   * unexpired delivery lease, most overdue first.
   */
  dueWebhooks(now: number, limit: number, exclude: readonly string[]): Promise<string[]>;
  /**
   * Takes the webhook's delivery lease until `leaseUntil` if nobody holds an unexpired one: one conditional
   * UPDATE, so of several processes racing for one webhook exactly one wins.
   */
  claimWebhook(webhookId: string, leaseOwner: string, now: number, leaseUntil: number): Promise<boolean>;
  /** The most overdue pending notification of a webhook, with the webhook. */
  nextDue(webhookId: string, now: number): Promise<{ notification: NotificationRecord; webhook: WebhookRecord } | undefined>;
  /** Records one attempt (on the notification and in its attempt list) and gives the lease back, in one transaction. */
  finishAttempt(notificationId: string, webhookId: string, leaseOwner: string, result: AttemptResult): Promise<void>;
  /** Gives a lease back without recording an attempt (nothing due, or shutdown mid-flight). */
  releaseWebhook(webhookId: string, leaseOwner: string): Promise<void>;
}

// ---- listen sessions (sandbox; src/webhooks/routes/listen-sessions.ts) ----

/** A signed delivery in a listen session's mailbox: what would have been POSTed to a URL. */
export interface ListenDeliveryRecord {
  id: string;
  webhookId: string;
  notificationId: string;
  /** The HTTP headers of the delivery, exactly as a URL target gets them. */
  headers: Record<string, string>;
  body: string;
  createdAt: number;
}

/** What the CLI reported its target answered: an HTTP status, or an error when none came. */
export interface ListenAnswer {
  responseCode: number | null;
  error: string | null;
}

export interface ListenSessionRepository {
  /** The session's webhook and its subscriptions, in one transaction. */
  create(webhook: WebhookRecord, subscriptions: SubscriptionRecord[]): Promise<void>;
  /** Pushes back a live, unexpired session's expiry; false when the owner has no such session. */
  touch(o: WebhookOwner, id: string, now: number, expiresAt: number): Promise<boolean>;
  put(delivery: ListenDeliveryRecord): Promise<void>;
  /**
   * Hands out the oldest delivery of the session nobody has taken: one conditional UPDATE, so of several
   * nodes answering polls of one session exactly one hands out each delivery.
   */
  take(webhookId: string, now: number): Promise<ListenDeliveryRecord | undefined>;
  /** Records the answer to a taken delivery once; false when there is no such delivery waiting for one. */
  answer(webhookId: string, deliveryId: string, now: number, answer: ListenAnswer): Promise<boolean>;
  /** The reported answer, `null` while none came, undefined when the delivery is gone. */
  answerOf(deliveryId: string): Promise<ListenAnswer | null | undefined>;
  remove(deliveryId: string): Promise<void>;
  /**
   * Ends at most `limit` sessions that expired before `now` as a DELETE of their webhook would (subscriptions
   * deleted, pending notifications cancelled) and empties their mailboxes; returns how many ended.
   */
  expire(now: number, limit: number): Promise<number>;
  /** Deletes at most `limit` mailbox rows created before `before` (left by a process that died); returns how many. */
  purgeDeliveries(before: number, limit: number): Promise<number>;
}

// ---- Passkeys (0016_passkeys) ----

export interface PasskeyRecord {
  /** base64url credential id. */
  credentialId: string;
  merchantId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** What a WebAuthn challenge was handed out for. */
export type PasskeyChallengePurpose = 'register' | 'sign_in';

export interface PasskeyRepository {
  add(record: PasskeyRecord): Promise<void>;
  listFor(merchantId: string): Promise<PasskeyRecord[]>;
  /** The credential, only if it is the merchant's. */
  findFor(merchantId: string, credentialId: string): Promise<PasskeyRecord | undefined>;
  count(merchantId: string): Promise<number>;
  /**
   * Records a use: the new counter and the time, in one conditional statement that fails when the stored
   * counter is not `expectedCounter` (a concurrent use won).
   */
  recordUse(merchantId: string, credentialId: string, expectedCounter: number, counter: number, now: number): Promise<boolean>;
  /** Removes one of the merchant's passkeys; false when it was not there. */
  remove(merchantId: string, credentialId: string): Promise<boolean>;
  /** Stores the challenge for the session and purpose, replacing any earlier one. */
  putChallenge(sessionHash: string, purpose: PasskeyChallengePurpose, challengeHash: string, expiresAt: number): Promise<void>;
  /** Takes (deletes) the session's challenge for the purpose: its hash if it had not expired at `now`. */
  takeChallenge(sessionHash: string, purpose: PasskeyChallengePurpose, now: number): Promise<string | undefined>;
  purgeExpiredChallenges(before: number, limit: number): Promise<number>;
}
