import type { Generated } from 'kysely';

/** Kysely table types, shared by every backend. Booleans are 0/1 integers so one query fits both dialects. */
export interface ClientsTable {
  id: string;
  environment: string;
  name: string;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  scopes: string;
  grant_types: string;
  redirect_uris: string;
  is_resource_server: number;
  merchant_id: string | null;
  created_at: number;
  deleted_at: number | null;
  /** 0009: the last four characters of each secret, and when each was last used. */
  secret_hint: string | null;
  secret_last_used_at: number | null;
  previous_secret_hint: string | null;
  previous_secret_last_used_at: number | null;
  /** 0015: 0/1, the client must push its authorization requests (RFC 9126 §4). */
  require_pushed_authorization_requests: number;
  /** 0013: 1 when every token request of this client must carry a DPoP proof (RFC 9449 §5.2). */
  dpop_bound_access_tokens: number;
  /** 0014: the public keys of a private_key_jwt client, a JWK Set in JSON (RFC 7517 §5); null otherwise. */
  jwks: string | null;
}

export interface TokensTable {
  /** The token key (TokenRecord.key: issue-time prefix + keyed digest); the column kept its first name. */
  hash: string;
  kind: string;
  client_id: string;
  environment: string;
  scope: string;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
  grant_id: string | null;
  subject: string | null;
  rotated_at: number | null;
  family_expires_at: number | null;
  /** 0015: space-separated resource indicators (RFC 8707) the token is restricted to; null: unrestricted. */
  audience: string | null;
  /** 0013: JWK thumbprint of the key a DPoP-bound token is bound to (RFC 9449 §6); null for a bearer token. */
  jkt: string | null;
}

export interface AuthorizationCodesTable {
  hash: string;
  client_id: string;
  environment: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string;
  subject: string;
  grant_id: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  /** 0015: space-separated resources (RFC 8707) the code was granted for; null: none named. */
  resources: string | null;
}

/** 0015: an authorization request pushed to /oauth/par (RFC 9126), used once. */
export interface PushedAuthorizationRequestsTable {
  /** Keyed hash of the request_uri's random part. */
  hash: string;
  client_id: string;
  environment: string;
  /** The checked authorization request parameters, as a JSON object. */
  params: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

interface AuthFailuresTable {
  key: string;
  window_start: number;
  count: number;
}

export interface WebhooksTable {
  id: string;
  owner: string;
  environment: string;
  payload_url: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: number | null;
  is_active: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  /** 0010: null for a webhook with a URL; a listen session's expiry, pushed back by each poll. */
  listen_expires_at: number | null;
  /** 0011: since when deliveries are held; null when they go out. */
  paused_at: number | null;
}

export interface SubscriptionsTable {
  id: string;
  owner: string;
  environment: string;
  webhook_id: string;
  event_id: string;
  filter: string | null;
  created_at: number;
  deleted_at: number | null;
}

export interface NotificationsTable {
  id: string;
  owner: string;
  environment: string;
  webhook_id: string;
  subscription_id: string | null;
  event: string;
  payload: string;
  url: string;
  status: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  give_up_at: number;
  sent_at: number | null;
  response_code: number | null;
  last_error: string | null;
}

// ---- 0010_webhook_attempts_and_listen ----

export interface NotificationAttemptsTable {
  id: Generated<number>;
  notification_id: string;
  /** 'automatic' (the delivery worker) or 'manual_resend'. */
  kind: string;
  attempted_at: number;
  ok: number;
  response_code: number | null;
  error: string | null;
  url: string;
}

/** A listen session's mailbox: signed deliveries waiting for the CLI, and the status it reported. */
export interface ListenDeliveriesTable {
  id: string;
  webhook_id: string;
  notification_id: string;
  /** JSON object of the delivery's HTTP headers. */
  headers: string;
  body: string;
  created_at: number;
  taken_at: number | null;
  answered_at: number | null;
  response_code: number | null;
  error: string | null;
}

export interface SigningKeysTable {
  kid: string;
  environment: string;
  alg: string;
  public_jwk: string;
  private_key_encrypted: string;
  created_at: number;
  activates_at: number;
  deactivates_at: number;
  expires_at: number;
}

export interface Database {
  clients: ClientsTable;
  tokens: TokensTable;
  auth_failures: AuthFailuresTable;
  authorization_codes: AuthorizationCodesTable;
  webhooks: WebhooksTable;
  subscriptions: SubscriptionsTable;
  notifications: NotificationsTable;
  notification_attempts: NotificationAttemptsTable;
  listen_deliveries: ListenDeliveriesTable;
  merchants: MerchantsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  usage_counters: UsageCountersTable;
  consents: ConsentsTable;
  signing_keys: SigningKeysTable;
  form_submissions: FormSubmissionsTable;
  secret_reveals: SecretRevealsTable;
  pushed_authorization_requests: PushedAuthorizationRequestsTable;
  two_factor: TwoFactorTable;
  recovery_codes: RecoveryCodesTable;
  used_jtis: UsedJtisTable;
  passkeys: PasskeysTable;
  passkey_challenges: PasskeyChallengesTable;
}

// ---- 0002_accounts: the Web Account ----

export interface MerchantsTable {
  id: string;
  /** Lower-cased, trimmed; unique. */
  email: string;
  /** argon2id PHC string. */
  password_hash: string;
  created_at: number;
  password_changed_at: number;
}

export interface SessionsTable {
  /** Keyed hash of the session id; the id itself lives only in the browser's cookie. */
  id_hash: string;
  merchant_id: string;
  created_at: number;
  /** When the password was last entered in this session (recent re-authentication, ASVS 7.5.1). */
  authenticated_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
  /** 0012: 1 while the password has been entered but the second step (TOTP or recovery code) has not. */
  second_factor_pending: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  merchant_id: string | null;
  client_id: string | null;
  environment: string | null;
  action: string;
  actor: string;
  ip: string | null;
  /** JSON object with event details (never a secret). */
  detail: string | null;
  /** How many occurrences this row stands for (failed authentications are recorded in bulk). */
  count: number;
  at: number;
}

interface UsageCountersTable {
  client_id: string;
  /** Start of the hour, Unix seconds. */
  hour: number;
  issued: number;
  failed: number;
}

interface ConsentsTable {
  merchant_id: string;
  client_id: string;
  scope: string;
  created_at: number;
  updated_at: number;
}

// ---- 0009_web_account_forms ----

interface FormSubmissionsTable {
  /** Keyed hash of the form's nonce. */
  nonce_hash: string;
  /** Keyed hash of the session (or anonymous CSRF secret) the form was sent in. */
  scope_hash: string;
  /** Where the first submission redirected to; null while it is being handled. */
  outcome: string | null;
  created_at: number;
}

interface SecretRevealsTable {
  /** Keyed hash of the reference in the page's URL. */
  ref_hash: string;
  session_hash: string;
  client_id: string;
  /** 'created' or 'rotated'. */
  kind: string;
  /** The secret, AES-256-GCM sealed; null once shown. */
  sealed: string | null;
  created_at: number;
  expires_at: number;
  shown_at: number | null;
}

// ---- 0012_two_factor ----

interface TwoFactorTable {
  merchant_id: string;
  /** The TOTP secret, AES-256-GCM sealed under a key derived from the server key, bound to the merchant. */
  secret_sealed: string;
  created_at: number;
  /** Null until the first valid code finishes the enrolment. */
  enabled_at: number | null;
  /** Keyed hash of the session that started the enrolment; null once enabled. */
  setup_session_hash: string | null;
  /** The last accepted TOTP time step: a code is accepted once. */
  last_step: number | null;
}

interface RecoveryCodesTable {
  /** Keyed hash of the code. */
  code_hash: string;
  merchant_id: string;
  created_at: number;
  used_at: number | null;
}

// ---- 0013_used_jtis ----

interface UsedJtisTable {
  /** Whose ids: one namespace per kind of signed request (a DPoP proof, a client assertion). */
  purpose: string;
  /** The id as its caller keys it (replay-key.ts: a keyed digest of the signer and the jti). */
  jti_key: string;
  /** After this the row only waits for the purge: a proof or assertion this old is refused by its time check. */
  expires_at: number;
}

// ---- 0016_passkeys ----

interface PasskeysTable {
  /** base64url credential id (WebAuthn §6.1). */
  credential_id: string;
  merchant_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  counter: number;
  /** Comma-separated transports. */
  transports: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

interface PasskeyChallengesTable {
  session_hash: string;
  purpose: string;
  /** Keyed hash of the challenge. */
  challenge_hash: string;
  expires_at: number;
}
