import { addClientKeys, authMethodOf, createClient, removeClientKey, rotateClientSecret } from '../core/client-management.js';
import { algorithmOf, ClientKeyError, parsePublicKeys, thumbprintOf } from '../core/client-keys.js';
import { KNOWN_SCOPES } from '../core/scope.js';
import type { AppContext } from '../http/context.js';
import type { ClientRecord, Environment } from '../storage/types.js';
import { audit, type Actor } from './accounts.js';
import { InputError, NotFoundError } from './errors.js';

type CredentialDeps = Pick<AppContext, 'store' | 'hasher' | 'clock'>;

/** What the Web Account shows of a credential: never a secret, nor a digest of one. */
export interface CredentialView {
  id: string;
  environment: Environment;
  name: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  activeTokens: number;
  /** When the secret replaced by the last rotation stops working; null when it already has. */
  previousSecretExpiresAt: number | null;
  grantTypes: string[];
  redirectUris: string[];
  /** A public client: no secret, PKCE only. */
  isPublic: boolean;
  /** Authorization requests must be pushed first (RFC 9126 §4). */
  requirePushedAuthorizationRequests: boolean;
  /** Every token request must carry a DPoP proof (RFC 9449 §5.2). */
  dpopBoundAccessTokens: boolean;
  /** How it authenticates at the token endpoint (RFC 7591 §2): a secret, a signed JWT, or nothing (public). */
  authMethod: 'client_secret_basic' | 'private_key_jwt' | 'none';
  /** A private_key_jwt client's public keys, as the pages show them; empty for every other client. */
  keys: KeyView[];
  /** Last four characters of the current and the previous secret (null when not recorded), and their last use. */
  secretHint: string | null;
  secretLastUsedAt: number | null;
  previousSecretHint: string | null;
  previousSecretLastUsedAt: number | null;
}

/** What is shown of a registered public key: never more than its public identity. */
export interface KeyView {
  kid: string | null;
  kty: string;
  alg: string;
  /** RFC 7638 thumbprint (SHA-256, base64url): names a key that has no kid. */
  thumbprint: string;
}

/** Grace periods the pages offer for rotation, seconds → label. The API takes any whole number up to 30 days. */
export const GRACE_CHOICES: ReadonlyArray<[number, string]> = [
  [0, 'None: the old secret stops now'],
  [3600, '1 hour'],
  [86_400, '24 hours'],
  [7 * 86_400, '7 days'],
  [30 * 86_400, '30 days'],
];
const MAX_GRACE = 30 * 86_400;

const CLIENT_ID = /^[A-Za-z0-9]{24}$/;

/** The merchant's own live credential, or 404: another merchant's id answers exactly like an unknown one. */
export async function ownedCredential(deps: CredentialDeps, merchantId: string, id: string): Promise<ClientRecord> {
  if (!CLIENT_ID.test(id)) throw new NotFoundError();
  const client = await deps.store.clients.find(id);
  if (!client || client.merchantId !== merchantId) throw new NotFoundError();
  return client;
}

export async function listCredentials(deps: CredentialDeps, merchantId: string, environment: Environment): Promise<CredentialView[]> {
  const clients = await deps.store.clients.list({ merchantId, environment });
  return describe(deps, clients);
}

export async function describeCredential(deps: CredentialDeps, client: ClientRecord): Promise<CredentialView> {
  return (await describe(deps, [client]))[0]!;
}

async function describe(deps: CredentialDeps, clients: ClientRecord[]): Promise<CredentialView[]> {
  const now = deps.clock.now();
  const ids = clients.map((c) => c.id);
  const [activity, secrets] = await Promise.all([deps.store.usage.activity(ids, now), deps.store.clients.secretDetails(ids)]);
  const keys = await Promise.all(clients.map((c) => keyViews(c)));
  return clients.map((c, i) => ({
    id: c.id,
    environment: c.environment,
    name: c.name,
    scopes: c.scopes,
    createdAt: c.createdAt,
    lastUsedAt: activity.get(c.id)?.lastUsedAt ?? null,
    activeTokens: activity.get(c.id)?.activeTokens ?? 0,
    previousSecretExpiresAt: c.previousSecretHash && (c.previousSecretExpiresAt ?? 0) > now ? c.previousSecretExpiresAt : null,
    grantTypes: c.grantTypes,
    redirectUris: c.redirectUris,
    isPublic: c.secretHash === null && !c.publicKeys,
    requirePushedAuthorizationRequests: c.requirePushedAuthorizationRequests ?? false,
    dpopBoundAccessTokens: c.dpopBoundAccessTokens,
    authMethod: authMethodOf(c),
    keys: keys[i]!,
    secretHint: secrets.get(c.id)?.hint ?? null,
    secretLastUsedAt: secrets.get(c.id)?.lastUsedAt ?? null,
    previousSecretHint: secrets.get(c.id)?.previousHint ?? null,
    previousSecretLastUsedAt: secrets.get(c.id)?.previousLastUsedAt ?? null,
  }));
}

function keyViews(c: ClientRecord): Promise<KeyView[]> {
  return Promise.all((c.publicKeys ?? []).map(async (k) => ({ kid: k.kid ?? null, kty: k.kty!, alg: algorithmOf(k), thumbprint: await thumbprintOf(k) })));
}

function checkName(name: string): string {
  const n = name.trim();
  if (n === '' || n.length > 100) throw new InputError('A name needs 1 to 100 characters');
  if (/[\u0000-\u001f\u007f]/.test(n)) throw new InputError('A name cannot hold control characters');
  return n;
}

function checkScopes(scopes: string[]): string[] {
  if (scopes.length === 0) throw new InputError('Choose at least one scope');
  for (const s of scopes) if (!(KNOWN_SCOPES as readonly string[]).includes(s)) throw new InputError(`Unknown scope "${s.slice(0, 40)}"`);
  return [...new Set(scopes)];
}

function checkGrace(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_GRACE) throw new InputError('The grace period must be 0 to 30 days, in whole seconds');
  return value;
}

/** Generates a credential of `environment` for the merchant; the secret is returned this once. */
/** The optional code-flow settings of a new credential: redirect URIs, grants, public client. */
interface CodeFlowInput {
  /** Also allow authorization_code (+ refresh_token when `refresh`). */
  authorizationCode?: boolean;
  refresh?: boolean;
  redirectUris?: string[];
  /** No secret, PKCE only; such a client cannot use client_credentials. */
  isPublic?: boolean;
  /** Authorization requests only by POST /oauth/par (RFC 9126 §4). */
  requirePushedAuthorizationRequests?: boolean;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof. */
  dpopBoundAccessTokens?: boolean;
}

/**
 * Form fields → code-flow settings: `grant_authorization_code`, `grant_refresh_token`, `public_client`,
 * `require_pushed_authorization_requests`, `redirect_uris` (one per line), and `dpop_bound_access_tokens`.
 */
export function codeFlowFromFields(f: Record<string, unknown>): CodeFlowInput {
  const on = (name: string) => f[name] === '1' || f[name] === 'on' || f[name] === true;
  const uris = typeof f.redirect_uris === 'string' ? f.redirect_uris : Array.isArray(f.redirect_uris) ? f.redirect_uris.join('\n') : '';
  return {
    authorizationCode: on('grant_authorization_code') || on('public_client'),
    refresh: on('grant_refresh_token'),
    redirectUris: uris.split(/\r?\n/).map((u) => u.trim()).filter(Boolean),
    isPublic: on('public_client'),
    requirePushedAuthorizationRequests: on('require_pushed_authorization_requests'),
    dpopBoundAccessTokens: on('dpop_bound_access_tokens'),
  };
}

/**
 * A new credential; `secret` is undefined for a public client and for one registered with public keys
 * (`jwks`: a pasted JWK or JWK Set; the credential then authenticates with private_key_jwt, RFC 7523).
 */
export async function generateCredential(
  deps: CredentialDeps,
  actor: Actor,
  input: { environment: Environment; name: string; scopes: string[]; codeFlow?: CodeFlowInput; jwks?: string },
): Promise<{ client: ClientRecord; secret: string | undefined }> {
  const flow = input.codeFlow ?? {};
  const grantTypes = [
    ...(flow.isPublic ? [] : ['client_credentials']),
    ...(flow.authorizationCode ? ['authorization_code'] : []),
    ...(flow.authorizationCode && flow.refresh ? ['refresh_token'] : []),
  ];
  let created;
  try {
    const publicKeys = input.jwks !== undefined && input.jwks.trim() !== '' ? await parsePublicKeys(input.jwks) : undefined;
    created = await createClient(
      { clients: deps.store.clients, hasher: deps.hasher, clock: deps.clock },
      {
        environment: input.environment,
        name: checkName(input.name),
        scopes: checkScopes(input.scopes),
        merchantId: actor.merchant.id,
        grantTypes,
        redirectUris: flow.redirectUris ?? [],
        isPublic: flow.isPublic ?? false,
        requirePushedAuthorizationRequests: flow.requirePushedAuthorizationRequests ?? false,
        dpopBoundAccessTokens: flow.dpopBoundAccessTokens ?? false,
        publicKeys,
      },
    );
  } catch (err) {
    if (err instanceof InputError) throw err;
    // createClient's own rules (redirect URI syntax, grant combinations) are the merchant's input errors.
    throw new InputError((err as Error).message);
  }
  const { client, secret } = created;
  const keys = await keyViews(client);
  await audit(deps, actor, 'created', {
    clientId: client.id,
    environment: client.environment,
    detail: {
      name: client.name,
      scopes: client.scopes,
      grant_types: client.grantTypes,
      redirect_uris: client.redirectUris,
      ...(client.requirePushedAuthorizationRequests ? { require_pushed_authorization_requests: true } : {}),
      dpop_bound_access_tokens: client.dpopBoundAccessTokens,
      token_endpoint_auth_method: authMethodOf(client),
      ...(keys.length > 0 ? { keys: keys.map((k) => k.thumbprint) } : {}),
    },
  });
  return { client, secret };
}

/** Adds the pasted key (or keys) beside the credential's current ones: the first step of a key rollover. */
export async function addCredentialKeys(deps: CredentialDeps, actor: Actor, client: ClientRecord, jwks: string): Promise<void> {
  const before = new Set((await keyViews(client)).map((k) => k.thumbprint));
  try {
    await addClientKeys({ clients: deps.store.clients }, client, await parsePublicKeys(jwks));
  } catch (err) {
    if (err instanceof ClientKeyError) throw new InputError(err.message);
    throw err;
  }
  const added = (await keyViews((await deps.store.clients.find(client.id)) ?? client)).filter((k) => !before.has(k.thumbprint));
  await audit(deps, actor, 'key_added', { clientId: client.id, environment: client.environment, detail: { keys: added.map((k) => ({ kid: k.kid, alg: k.alg, thumbprint: k.thumbprint })) } });
}

/** Removes one key (named by its thumbprint): the last step of a key rollover. The last key stays. */
export async function removeCredentialKey(deps: CredentialDeps, actor: Actor, client: ClientRecord, thumbprint: string): Promise<void> {
  const key = (await keyViews(client)).find((k) => k.thumbprint === thumbprint);
  if (!key) throw new InputError('That key is not registered for this credential (any more).');
  try {
    await removeClientKey({ clients: deps.store.clients }, client, thumbprint);
  } catch (err) {
    if (err instanceof ClientKeyError) throw new InputError(err.message);
    throw err;
  }
  await audit(deps, actor, 'key_removed', { clientId: client.id, environment: client.environment, detail: { kid: key.kid, alg: key.alg, thumbprint: key.thumbprint } });
}

/** A new secret; the old one keeps working for `graceSeconds`. */
export async function rotateCredential(
  deps: CredentialDeps,
  actor: Actor,
  client: ClientRecord,
  graceSeconds: number,
): Promise<{ secret: string; previousSecretExpiresAt: number }> {
  const grace = checkGrace(graceSeconds);
  if (client.publicKeys) throw new InputError('This credential signs with a private key (private_key_jwt); it has no secret to rotate.');
  const secret = await rotateClientSecret({ clients: deps.store.clients, hasher: deps.hasher, clock: deps.clock }, client.id, grace);
  if (secret === undefined) throw new NotFoundError();
  const previousSecretExpiresAt = deps.clock.now() + grace;
  await audit(deps, actor, 'rotated', { clientId: client.id, environment: client.environment, detail: { grace_seconds: grace, previous_secret_expires_at: previousSecretExpiresAt } });
  return { secret, previousSecretExpiresAt };
}

/** Ends a rotation's grace period now: the previous secret stops working at once. */
export async function expirePreviousSecret(deps: CredentialDeps, actor: Actor, client: ClientRecord): Promise<void> {
  if (!(await deps.store.clients.expirePreviousSecret(client.id, deps.clock.now()))) {
    throw new InputError('There is no previous secret that still works.');
  }
  await audit(deps, actor, 'previous_secret_expired', { clientId: client.id, environment: client.environment });
}

/** Replaces the credential's allowed scopes. Tokens already issued keep the scope they were given until they expire. */
export async function changeScopes(deps: CredentialDeps, actor: Actor, client: ClientRecord, scopes: string[]): Promise<void> {
  const to = checkScopes(scopes);
  if (to.length === client.scopes.length && to.every((s) => client.scopes.includes(s))) return;
  if (!(await deps.store.clients.setScopes(client.id, to))) throw new NotFoundError();
  await audit(deps, actor, 'scopes_changed', { clientId: client.id, environment: client.environment, detail: { from: client.scopes, to } });
}

export async function renameCredential(deps: CredentialDeps, actor: Actor, client: ClientRecord, name: string): Promise<void> {
  const to = checkName(name);
  if (!(await deps.store.clients.rename(client.id, to))) throw new NotFoundError();
  await audit(deps, actor, 'renamed', { clientId: client.id, environment: client.environment, detail: { from: client.name, to } });
}

/** Deletes the credential; every token it holds dies in the same transaction (ASVS 10.4.9). */
export async function deleteCredential(deps: CredentialDeps, actor: Actor, client: ClientRecord): Promise<void> {
  if (!(await deps.store.clients.delete(client.id, deps.clock.now()))) throw new NotFoundError();
  await audit(deps, actor, 'deleted', { clientId: client.id, environment: client.environment, detail: { name: client.name } });
}

export async function revokeCredentialTokens(deps: CredentialDeps, actor: Actor, client: ClientRecord): Promise<number> {
  const count = await deps.store.tokens.revokeByClient(client.id, deps.clock.now());
  await audit(deps, actor, 'tokens_revoked', { clientId: client.id, environment: client.environment, detail: { count } });
  return count;
}

export interface UsageSeries {
  /** Bucket start (Unix seconds), tokens issued, failed authentications; oldest first, gaps filled with 0. */
  buckets: Array<{ start: number; issued: number; failed: number }>;
}

/** Daily buckets over `days` days and hourly buckets over the last `hours` hours, from the hourly counters. */
export async function usageOf(deps: CredentialDeps, clientId: string, days = 30, hours = 48): Promise<{ daily: UsageSeries; hourly: UsageSeries }> {
  const now = deps.clock.now();
  const thisHour = now - (now % 3600);
  const today = now - (now % 86_400);
  const firstDay = today - (days - 1) * 86_400;
  const rows = await deps.store.usage.hourly(clientId, Math.min(firstDay, thisHour - (hours - 1) * 3600));
  const daily = Array.from({ length: days }, (_, i) => ({ start: firstDay + i * 86_400, issued: 0, failed: 0 }));
  const hourly = Array.from({ length: hours }, (_, i) => ({ start: thisHour - (hours - 1 - i) * 3600, issued: 0, failed: 0 }));
  for (const r of rows) {
    const d = daily[Math.floor((r.hour - firstDay) / 86_400)];
    if (d && r.hour >= firstDay) {
      d.issued += r.issued;
      d.failed += r.failed;
    }
    const h = hourly[(r.hour - hourly[0]!.start) / 3600];
    if (h) {
      h.issued += r.issued;
      h.failed += r.failed;
    }
  }
  return { daily: { buckets: daily }, hourly: { buckets: hourly } };
}
