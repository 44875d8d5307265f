import type { Selectable } from 'kysely';
import type { ClientsTable, TokensTable } from './schema.js';
import type { ClientRecord, Environment, PublicJwk, TokenKind, TokenRecord } from './types.js';

/**
 * A client or token row becomes a record here, and only here.
 *
 * The columns are named rather than `*`: a prepared `select *` fails once a migration on another node adds
 * a column.
 */
export const CLIENT_COLUMNS = [
  'id', 'environment', 'name', 'secret_hash', 'previous_secret_hash', 'previous_secret_expires_at', 'scopes',
  'grant_types', 'redirect_uris', 'is_resource_server', 'merchant_id', 'created_at', 'deleted_at',
  'require_pushed_authorization_requests', 'dpop_bound_access_tokens',
  'grant_types', 'redirect_uris', 'is_resource_server', 'merchant_id', 'created_at', 'deleted_at', 'jwks',
] as const satisfies ReadonlyArray<keyof ClientsTable>;
export const TOKEN_COLUMNS = [
  'hash', 'kind', 'client_id', 'environment', 'scope', 'issued_at', 'expires_at', 'revoked_at', 'grant_id',
  'subject', 'rotated_at', 'family_expires_at', 'audience', 'jkt',
] as const satisfies ReadonlyArray<keyof TokensTable>;

export function clientFromRow(r: Selectable<ClientsTable>): ClientRecord {
  return {
    id: r.id,
    environment: r.environment as Environment,
    name: r.name,
    secretHash: r.secret_hash,
    previousSecretHash: r.previous_secret_hash,
    previousSecretExpiresAt: numberOrNull(r.previous_secret_expires_at),
    scopes: splitWords(r.scopes),
    grantTypes: splitWords(r.grant_types),
    redirectUris: JSON.parse(r.redirect_uris) as string[],
    isResourceServer: Number(r.is_resource_server) === 1,
    merchantId: r.merchant_id,
    createdAt: Number(r.created_at),
    requirePushedAuthorizationRequests: Number(r.require_pushed_authorization_requests) === 1,
    dpopBoundAccessTokens: Number(r.dpop_bound_access_tokens) === 1,
    publicKeys: r.jwks === null || r.jwks === undefined ? null : jwksFromColumn(r.jwks),
  };
}

/** The `jwks` column: a JWK Set (RFC 7517 §5), `{"keys": [...]}`. */
export const jwksToColumn = (keys: PublicJwk[] | null | undefined): string | null => (keys ? JSON.stringify({ keys }) : null);
const jwksFromColumn = (json: string): PublicJwk[] => (JSON.parse(json) as { keys: PublicJwk[] }).keys;

export function tokenFromRow(r: Selectable<TokensTable>): TokenRecord {
  return {
    key: r.hash,
    kind: r.kind as TokenKind,
    clientId: r.client_id,
    environment: r.environment as Environment,
    scope: r.scope,
    issuedAt: Number(r.issued_at),
    expiresAt: Number(r.expires_at),
    revokedAt: numberOrNull(r.revoked_at),
    grantId: r.grant_id,
    subject: r.subject,
    rotatedAt: numberOrNull(r.rotated_at),
    familyExpiresAt: numberOrNull(r.family_expires_at),
    audience: wordsOrNull(r.audience),
    jkt: r.jkt ?? null,
  };
}

// Integer columns arrive as numbers from SQLite and as strings (bigint) from PostgreSQL.
const numberOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** A space-separated list column (resource indicators never contain a space, RFC 3986); null stays null. */
export const wordsOrNull = (s: string | null | undefined): string[] | null => (s === null || s === undefined ? null : splitWords(s));
export const joinedOrNull = (list: readonly string[] | null | undefined): string | null => (list === null || list === undefined ? null : list.join(' '));
const splitWords = (s: string): string[] => (s === '' ? [] : s.split(' '));
