import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import type { Clock } from '../core/clock.js';
import type { Environment, SigningKeyRecord, SigningKeyRepository } from '../storage/types.js';
import type { KeyEncryption } from './key-encryption.js';

type SigningKey = CryptoKey | KeyObject | Uint8Array;

interface KeySchedule {
  /** How long one key signs, seconds. */
  rotationSeconds: number;
  /** How long before it signs a key is published, seconds. */
  publishAheadSeconds: number;
  /** Longest access token lifetime: a key stays published this long (plus leeway) after it stops signing. */
  accessTokenTtl: number;
}

/** Kept in the JWKS this long past the last expiry a key's tokens can have, for clock skew at resource servers. */
export const RETENTION_LEEWAY_SECONDS = 60;
/** Another node's new key is seen within this many seconds (the cache is reloaded this often). */
const RELOAD_SECONDS = 60;
const UNKNOWN_KID_RELOAD_SECONDS = 5;

/**
 * The JWT signing keys of every environment, with the rotation schedule:
 *
 * - a key signs for `rotationSeconds` (`activatesAt` … `deactivatesAt`);
 * - the next key is created and published `publishAheadSeconds` before it signs, so resource servers that cache the
 *   JWKS know it before they meet a token signed with it;
 * - a key stays published until `expiresAt` = `deactivatesAt` + the access token lifetime + leeway, when every token
 *   it signed has expired; then it is deleted.
 *
 * Keys live in the database (shared by every node; the private JWK sealed under the server key). Nodes racing to
 * create the same scheduled key make one row (unique environment + activation time). The first key of an environment
 * signs at once: nothing was signed before it.
 */
export class SigningKeys {
  readonly #cache = new Map<Environment, { keys: SigningKeyRecord[]; loadedAt: number }>();
  readonly #privateKeys = new Map<string, Promise<SigningKey>>();
  readonly #publicKeys = new Map<string, Promise<SigningKey>>();

  constructor(
    private readonly deps: {
      repo: SigningKeyRepository;
      encryption: KeyEncryption;
      clock: Clock;
      schedule: KeySchedule;
      /** Environments that sign JWTs; only these get keys created. */
      signing: (environment: Environment) => boolean;
    },
  ) {}

  /** The key to sign with now, creating the environment's keys when due. */
  async signingKey(environment: Environment): Promise<{ record: SigningKeyRecord; key: SigningKey }> {
    const now = this.deps.clock.now();
    let record = activeAt(await this.#keys(environment), now);
    if (!record) {
      await this.ensure(environment);
      record = activeAt(await this.#keys(environment), now);
    }
    if (!record) throw new Error(`No signing key for ${environment}`);
    let key = this.#privateKeys.get(record.kid);
    if (!key) {
      const aad = `${record.environment}:${record.kid}`;
      key = importJWK(JSON.parse(this.deps.encryption.open(record.privateKeyEncrypted, aad)) as JWK, 'ES256');
      this.#privateKeys.set(record.kid, key);
    }
    return { record, key: await key };
  }

  /** The keys published in the JWKS now: from `publishAheadSeconds` before they sign until they expire. */
  async published(environment: Environment): Promise<SigningKeyRecord[]> {
    const now = this.deps.clock.now();
    const ahead = this.deps.schedule.publishAheadSeconds;
    return (await this.#keys(environment)).filter((k) => k.activatesAt - ahead <= now && now < k.expiresAt);
  }

  /** The public key of a published key id, reloading once if the kid is new to this node. */
  async verificationKey(environment: Environment, kid: string): Promise<SigningKey | undefined> {
    let record = (await this.published(environment)).find((k) => k.kid === kid);
    const cached = this.#cache.get(environment);
    // Another node may have made a key this node has not loaded yet. At most one reload per few seconds, so tokens
    // with made-up kids cannot turn every request into a database query.
    if (!record && cached && this.deps.clock.now() - cached.loadedAt >= UNKNOWN_KID_RELOAD_SECONDS) {
      const now = this.deps.clock.now();
      this.#cache.set(environment, { keys: await this.deps.repo.listLive(environment, now), loadedAt: now });
      record = (await this.published(environment)).find((k) => k.kid === kid);
    }
    if (!record) return undefined;
    let key = this.#publicKeys.get(kid);
    if (!key) {
      key = importJWK(JSON.parse(record.publicJwk) as JWK, 'ES256');
      this.#publicKeys.set(kid, key);
    }
    return key;
  }

  /**
   * Follows the schedule: creates the current key if there is none, and the next one once it is due for publishing;
   * deletes expired keys. Idempotent and safe to run on every node.
   */
  async ensure(environment: Environment): Promise<void> {
    if (!this.deps.signing(environment)) return;
    const { repo, clock, schedule } = this.deps;
    const now = clock.now();
    let keys = await repo.listLive(environment, now);
    let current = activeAt(keys, now);
    if (!current) {
      // Aligned to the rotation grid, so nodes starting together compute the same activation time.
      const activatesAt = Math.floor(now / schedule.rotationSeconds) * schedule.rotationSeconds;
      await repo.insertIfAbsent(await this.#newKey(environment, activatesAt, now));
      keys = await repo.listLive(environment, now);
      current = activeAt(keys, now);
    }
    if (current && now >= current.deactivatesAt - schedule.publishAheadSeconds) {
      const next = current.deactivatesAt;
      if (!keys.some((k) => k.activatesAt === next)) await repo.insertIfAbsent(await this.#newKey(environment, next, now));
    }
    await repo.purgeExpired(now, 100);
    this.#cache.delete(environment);
  }

  /** The environment's live keys, from a cache reloaded every minute and whenever the schedule turns. */
  async #keys(environment: Environment): Promise<SigningKeyRecord[]> {
    const now = this.deps.clock.now();
    const cached = this.#cache.get(environment);
    if (cached && now - cached.loadedAt < RELOAD_SECONDS && now >= cached.loadedAt && !turned(cached.keys, cached.loadedAt, now, this.deps.schedule)) {
      return cached.keys;
    }
    if (this.deps.signing(environment) && (!cached || turned(cached.keys, cached.loadedAt, now, this.deps.schedule))) {
      await this.ensure(environment);
    }
    const keys = await this.deps.repo.listLive(environment, now);
    this.#cache.set(environment, { keys, loadedAt: now });
    return keys;
  }

  async #newKey(environment: Environment, activatesAt: number, now: number): Promise<SigningKeyRecord> {
    const { schedule, encryption } = this.deps;
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const deactivatesAt = activatesAt + schedule.rotationSeconds;
    return {
      kid,
      environment,
      alg: 'ES256',
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg: 'ES256', use: 'sig' }),
      privateKeyEncrypted: encryption.seal(JSON.stringify(await exportJWK(privateKey)), `${environment}:${kid}`),
      createdAt: now,
      activatesAt,
      deactivatesAt,
      expiresAt: deactivatesAt + schedule.accessTokenTtl + RETENTION_LEEWAY_SECONDS,
    };
  }
}

/** The newest key whose signing window contains `now`. */
function activeAt(keys: SigningKeyRecord[], now: number): SigningKeyRecord | undefined {
  let best: SigningKeyRecord | undefined;
  for (const k of keys) if (k.activatesAt <= now && now < k.deactivatesAt && (!best || k.activatesAt > best.activatesAt)) best = k;
  return best;
}

/** Whether a schedule boundary (a key activating, deactivating, due for publishing, or expiring) lies in (from, to]. */
function turned(keys: SigningKeyRecord[], from: number, to: number, schedule: KeySchedule): boolean {
  if (keys.length === 0) return true;
  return keys.some((k) =>
    [k.activatesAt, k.deactivatesAt, k.deactivatesAt - schedule.publishAheadSeconds, k.expiresAt].some((t) => from < t && t <= to),
  );
}
