import type { ClientRecord, Environment, UsedJtiRepository } from '../storage/types.js';
import { CLIENT_ASSERTION_PURPOSE, verifyClientAssertion } from './client-assertion.js';
import type { PresentedClient } from './client-auth-parser.js';
import type { Clock } from './clock.js';
import { InvalidClientError, TooManyAttemptsError } from './errors.js';
import type { AuthFailureLimiter } from './failure-limiter.js';
import { replayKey } from './replay-key.js';
import type { SecretHasher } from './secret-hasher.js';

interface ClientLookup {
  find(id: string): Promise<ClientRecord | undefined>;
}

interface ClientAuthenticatorDeps {
  clients: ClientLookup;
  hasher: SecretHasher;
  limiter: AuthFailureLimiter;
  clock: Clock;
  /** Remembers the `jti` of every accepted client assertion until it expires (RFC 7523 §3 item 7). */
  usedJtis: Pick<UsedJtiRepository, 'claimOnce'>;
  /** Told of every failed authentication (metrics, audit); never given the secret. */
  onFailure?: (clientId: string, ip: string, environment: Environment) => void;
  /** Told which secret (by its stored digest) a successful authentication used: "last used" per secret. */
  onSecretUsed?: (clientId: string, secretHash: string, at: number) => void;
}

// Compared against when the client is unknown, so an unknown id costs the same HMAC as a wrong secret
// (OWASP ASVS 6.3.8: no timing difference between "no such client" and "wrong secret").
const DUMMY_DIGEST = '0'.repeat(64);

interface AuthenticateOptions {
  /** Public clients (no secret, no keys) pass: the code-flow grants at the token endpoint, and revocation. */
  allowPublic?: boolean;
  /** What a client assertion's `aud` may name here: the issuer and the endpoint's URL (RFC 7523 §3 item 3). */
  audiences?: readonly string[];
}

/** Verifies presented client credentials against the store (RFC 6749 §2.3.1, RFC 7523 §3). */
export class ClientAuthenticator {
  constructor(private readonly deps: ClientAuthenticatorDeps) {}

  /**
   * The authenticated client of `environment`, or InvalidClientError. A credential of the other environment
   * answers exactly like an unknown one. Public clients (no secret) pass only where `allowPublic`. A
   * private_key_jwt client passes with a good assertion only: it has no secret, and is not a public client.
   */
  async authenticate(presented: PresentedClient, environment: Environment, ip: string, options: AuthenticateOptions = {}): Promise<ClientRecord> {
    const { clients, hasher, limiter, clock } = this.deps;
    const basicChallenge = presented.method !== 'client_secret_post';
    // Checked before the secret: a blocked caller learns nothing about whether its next guess was right.
    // A limiter that counts in the database is asked while the client row is fetched (one round trip of
    // latency, not two); the row is not looked at before the answer is known.
    const blocked = limiter.blockedFor(presented.clientId, ip);
    const [wait, client] =
      typeof blocked === 'number'
        ? [blocked, blocked > 0 ? undefined : await clients.find(presented.clientId)]
        : await Promise.all([blocked, clients.find(presented.clientId)]);
    if (wait > 0) throw new TooManyAttemptsError(wait);
    const usable = client !== undefined && client.environment === environment;
    const keys = usable ? client.publicKeys : undefined;

    if (presented.assertion !== undefined) {
      const clientId = presented.clientId;
      // Ids are kept per client (a keyed digest of client and jti), so one client's ids never block another's.
      const claimJti = (jti: string, expiresAt: number) => this.deps.usedJtis.claimOnce(CLIENT_ASSERTION_PURPOSE, replayKey(hasher, clientId, jti), expiresAt);
      const verdict = keys
        ? await verifyClientAssertion(claimJti, { assertion: presented.assertion, clientId, keys, audiences: options.audiences ?? [], now: clock.now() })
        : { ok: false as const, reason: usable ? 'client has no registered keys' : 'unknown client' };
      if (verdict.ok) return client!;
      await this.#fail(presented.clientId, ip, environment);
      throw new InvalidClientError({ basicChallenge: false, reason: verdict.reason });
    }

    if (presented.clientSecret === undefined) {
      if (usable && client.secretHash === null && !keys && options.allowPublic) return client;
      await this.#fail(presented.clientId, ip, environment);
      throw new InvalidClientError({ basicChallenge, reason: keys ? 'private_key_jwt client sent no assertion' : undefined });
    }

    const now = clock.now();
    let used = (usable && client.secretHash) || DUMMY_DIGEST;
    let ok = hasher.matches('client_secret', presented.clientSecret, used);
    if (!ok && usable && client.previousSecretHash && (client.previousSecretExpiresAt ?? 0) > now) {
      used = client.previousSecretHash;
      ok = hasher.matches('client_secret', presented.clientSecret, used);
    }
    if (ok && usable) {
      this.deps.onSecretUsed?.(client.id, used, now);
      return client;
    }
    await this.#fail(presented.clientId, ip, environment);
    throw new InvalidClientError({ basicChallenge, reason: keys ? 'private_key_jwt client sent a secret' : undefined });
  }

  async #fail(clientId: string, ip: string, environment: Environment): Promise<void> {
    this.deps.onFailure?.(clientId, ip, environment);
    await this.deps.limiter.recordFailure(clientId, ip);
  }
}
