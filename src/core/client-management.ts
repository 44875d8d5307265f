import type { ClientRecord, ClientRepository, Environment, PublicJwk } from '../storage/types.js';
import { checkKeySet, ClientKeyError, thumbprintOf } from './client-keys.js';
import type { Clock } from './clock.js';
import { newClientId, newClientSecret } from './random.js';
import { SUPPORTED_GRANT_TYPES } from './grants/index.js';
import { validateRedirectUri } from './redirect-uri.js';
import { validateClientScopes } from './scope.js';
import type { SecretHasher } from './secret-hasher.js';

interface ClientManagementDeps {
  clients: ClientRepository;
  hasher: SecretHasher;
  clock: Clock;
}

export interface NewClient {
  environment: Environment;
  name: string;
  scopes: string[];
  grantTypes?: string[];
  redirectUris?: string[];
  isResourceServer?: boolean;
  merchantId?: string | null;
  /** A public client has no secret and must use PKCE (RFC 6749 §2.1). */
  isPublic?: boolean;
  /** Its authorization requests must be pushed to /oauth/par (RFC 9126 §4). */
  requirePushedAuthorizationRequests?: boolean;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof. */
  dpopBoundAccessTokens?: boolean;
  /**
   * Public keys (from parsePublicKeys): the client authenticates with private_key_jwt (RFC 7523 §2.2) and gets no
   * secret.
   */
  publicKeys?: PublicJwk[];
}

/** A created client and its secret: the only moment the secret exists in plaintext on the server. */
interface CreatedClient {
  client: ClientRecord;
  /** Undefined for a public client and for a private_key_jwt client. */
  secret: string | undefined;
}

export async function createClient(deps: ClientManagementDeps, input: NewClient): Promise<CreatedClient> {
  const name = input.name.trim();
  if (name === '' || name.length > 100) throw new Error('A client name needs 1 to 100 characters');
  const grantTypes = [...new Set(input.grantTypes ?? ['client_credentials'])];
  for (const g of grantTypes) {
    if (!SUPPORTED_GRANT_TYPES.includes(g)) throw new Error(`Unknown grant type "${g}"; supported: ${SUPPORTED_GRANT_TYPES.join(', ')}`);
  }
  const redirectUris = [...new Set(input.redirectUris ?? [])];
  for (const uri of redirectUris) {
    const problem = validateRedirectUri(uri);
    if (problem) throw new Error(problem);
  }
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new Error('The authorization_code grant needs at least one redirect URI');
  }
  if (input.requirePushedAuthorizationRequests && !grantTypes.includes('authorization_code')) {
    throw new Error('Requiring pushed authorization requests needs the authorization_code grant');
  }
  if (input.isPublic && grantTypes.includes('client_credentials')) {
    throw new Error('A public client has no secret, so it cannot use client_credentials');
  }
  if (input.isPublic && input.publicKeys) throw new Error('A public client has no credentials; register keys for a confidential client only');
  const publicKeys = input.publicKeys ? await checkKeySet(input.publicKeys) : null;
  const secret = input.isPublic || publicKeys ? undefined : newClientSecret();
  const client: ClientRecord = {
    id: newClientId(),
    environment: input.environment,
    name,
    secretHash: secret === undefined ? null : deps.hasher.hash('client_secret', secret),
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    scopes: validateClientScopes(input.scopes),
    grantTypes,
    redirectUris,
    isResourceServer: input.isResourceServer ?? false,
    merchantId: input.merchantId ?? null,
    createdAt: deps.clock.now(),
    requirePushedAuthorizationRequests: input.requirePushedAuthorizationRequests ?? false,
    dpopBoundAccessTokens: input.dpopBoundAccessTokens ?? false,
    publicKeys,
  };
  await deps.clients.create(client, secretHint(secret));
  return { client, secret };
}

/**
 * A new secret for the client. The old one keeps working for `graceSeconds` (0: it dies now), so a merchant
 * can roll the new secret out before the old one stops (fosite's RotatedSecrets). Undefined if no such client.
 */
export async function rotateClientSecret(deps: ClientManagementDeps, id: string, graceSeconds: number): Promise<string | undefined> {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0) throw new Error('The grace period must be a whole number of seconds ≥ 0');
  const existing = await deps.clients.find(id);
  if (!existing) return undefined;
  if (existing.publicKeys) throw new ClientKeyError(NO_SECRET);
  const secret = newClientSecret();
  const now = deps.clock.now();
  const ok = await deps.clients.rotateSecret(id, deps.hasher.hash('client_secret', secret), now + graceSeconds, now, secretHint(secret));
  return ok ? secret : undefined;
}

/** The last four characters: enough for a merchant to tell secrets apart, far too few to guess the rest from. */
function secretHint(secret: string | undefined): string | null {
  return secret === undefined ? null : secret.slice(-4);
}

const NO_SECRET = 'This client authenticates with private_key_jwt: it has no secret. Change its public keys instead';
const NOT_A_KEY_CLIENT = 'This client authenticates with a secret. Create a new client to use private_key_jwt';

/** The client's method at the token endpoint (RFC 7591 §2 `token_endpoint_auth_method`). */
export function authMethodOf(client: ClientRecord): 'private_key_jwt' | 'client_secret_basic' | 'none' {
  return client.publicKeys ? 'private_key_jwt' : client.secretHash === null ? 'none' : 'client_secret_basic';
}

/**
 * A private_key_jwt client's new key set. Rolling a key over is two steps: add the new key (both verify), then
 * remove the old one once every signer uses the new one. Refused when the set changed since `client` was read.
 */
export async function setClientKeys(deps: Pick<ClientManagementDeps, 'clients'>, client: ClientRecord, next: PublicJwk[]): Promise<PublicJwk[]> {
  if (!client.publicKeys) throw new ClientKeyError(NOT_A_KEY_CLIENT);
  const keys = await checkKeySet(next);
  if (!(await deps.clients.replacePublicKeys(client.id, client.publicKeys, keys))) {
    throw new ClientKeyError('The keys of this client changed meanwhile (or it was deleted); reload and try again');
  }
  return keys;
}

/** Adds keys beside the client's current ones. */
export function addClientKeys(deps: Pick<ClientManagementDeps, 'clients'>, client: ClientRecord, added: PublicJwk[]): Promise<PublicJwk[]> {
  if (!client.publicKeys) throw new ClientKeyError(NOT_A_KEY_CLIENT);
  return setClientKeys(deps, client, [...client.publicKeys, ...added]);
}

/** Removes the key whose `kid`, or RFC 7638 thumbprint, is `name`; the last key cannot go. */
export async function removeClientKey(deps: Pick<ClientManagementDeps, 'clients'>, client: ClientRecord, name: string): Promise<PublicJwk[]> {
  if (!client.publicKeys) throw new ClientKeyError(NOT_A_KEY_CLIENT);
  const names = await Promise.all(client.publicKeys.map(async (k) => [k.kid, await thumbprintOf(k)]));
  const i = names.findIndex((n) => n.includes(name));
  if (i === -1) throw new ClientKeyError('This client has no key of that kid or thumbprint');
  if (client.publicKeys.length === 1) throw new ClientKeyError('A private_key_jwt client keeps at least one key: add the new key first');
  return setClientKeys(deps, client, client.publicKeys.filter((_, j) => j !== i));
}
