import { calculateJwkThumbprint, importJWK } from 'jose';
import type { PublicJwk } from '../storage/types.js';

/**
 * The signing algorithms a private_key_jwt client may use (RFC 7523 §3 leaves the choice to the server; RFC 8725
 * §3.1: a fixed list, never `none` nor an HMAC, which would turn a public key into a shared secret). `Ed25519` is
 * the fully-specified name of `EdDSA` over Ed25519 (RFC 9864).
 */
export const ASSERTION_ALGORITHMS = ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'] as const;
type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];

/** A client holds a new key beside the old one while it rolls over (RFC 7517 §5: a set of keys). */
const MAX_CLIENT_KEYS = 4;
/** A JWKS of four 4096-bit RSA keys is about 3 KB; anything far beyond that is not a key set. */
const MAX_INPUT_CHARS = 16_384;
const MIN_RSA_BITS = 2048;

/** The members of a public key per key type (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2). */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = { EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'], RSA: ['n', 'e'] };
/** Private key members of any key type (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2): never registered. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];
const B64URL = /^[A-Za-z0-9_-]+$/;

/** Registration input that is not an acceptable public key set; the message says what to fix. */
export class ClientKeyError extends Error {}

/** Which key types and curves can verify an algorithm. */
export function keyFitsAlgorithm(jwk: PublicJwk, alg: string): boolean {
  switch (alg) {
    case 'ES256':
      return jwk.kty === 'EC' && jwk.crv === 'P-256';
    case 'EdDSA':
    case 'Ed25519':
      return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
    case 'PS256':
    case 'RS256':
      return jwk.kty === 'RSA';
    default:
      return false;
  }
}

/** The algorithm a key declares, or else the one it would verify with (the first that fits it). */
export function algorithmOf(jwk: PublicJwk): AssertionAlgorithm {
  return (jwk.alg as AssertionAlgorithm | undefined) ?? ASSERTION_ALGORITHMS.find((a) => keyFitsAlgorithm(jwk, a))!;
}

/**
 * Reads a pasted or uploaded JWK or JWK Set (RFC 7517 §4, §5) and returns its public keys, reduced to the members
 * that matter. Refuses private keys, symmetric keys, unsupported algorithms, keys not for signatures (`use`,
 * `key_ops`), RSA keys under 2048 bits, keys that do not import, duplicate `kid`s or keys, and more than
 * MAX_CLIENT_KEYS.
 */
export async function parsePublicKeys(input: string): Promise<PublicJwk[]> {
  if (input.trim() === '') throw new ClientKeyError('Paste a public key: a JWK or a JWK Set (JSON)');
  if (input.length > MAX_INPUT_CHARS) throw new ClientKeyError(`A key set is at most ${MAX_INPUT_CHARS} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    throw new ClientKeyError('The key is not valid JSON: paste a JWK or a JWK Set');
  }
  if (!isObject(parsed)) throw new ClientKeyError('A key is a JSON object (a JWK) or {"keys": [...]} (a JWK Set)');
  const list = 'keys' in parsed ? parsed.keys : [parsed];
  if (!Array.isArray(list) || list.length === 0) throw new ClientKeyError('A JWK Set needs a non-empty "keys" array');
  return checkKeySet(await Promise.all(list.map((k, i) => publicKeyOf(k, list.length > 1 ? `Key ${i + 1}: ` : ''))));
}

/** The rules a whole set must keep: size, unique `kid`s, no key twice. */
export async function checkKeySet(keys: PublicJwk[]): Promise<PublicJwk[]> {
  if (keys.length === 0) throw new ClientKeyError('A private_key_jwt client needs at least one public key');
  if (keys.length > MAX_CLIENT_KEYS) throw new ClientKeyError(`A client holds at most ${MAX_CLIENT_KEYS} keys`);
  const kids = keys.map((k) => k.kid).filter((k) => k !== undefined);
  if (new Set(kids).size !== kids.length) throw new ClientKeyError('Two keys share a "kid"; each key needs its own');
  const thumbprints = await Promise.all(keys.map((k) => thumbprintOf(k)));
  if (new Set(thumbprints).size !== thumbprints.length) throw new ClientKeyError('The same key appears twice');
  return keys;
}

/** The RFC 7638 thumbprint (SHA-256, base64url): how the pages name a key that has no `kid`. */
export function thumbprintOf(jwk: PublicJwk): Promise<string> {
  return calculateJwkThumbprint({ ...jwk }, 'sha256');
}

async function publicKeyOf(raw: unknown, where: string): Promise<PublicJwk> {
  if (!isObject(raw)) throw new ClientKeyError(`${where}a JWK is a JSON object`);
  const present = PRIVATE_MEMBERS.filter((m) => m in raw);
  if (present.length > 0) {
    throw new ClientKeyError(`${where}this is a private key (it has "${present[0]}"). Register the public key only; the private key never leaves your system`);
  }
  const kty = raw.kty;
  if (typeof kty !== 'string' || !(kty in PUBLIC_MEMBERS)) {
    throw new ClientKeyError(`${where}"kty" must be EC (P-256), OKP (Ed25519) or RSA`);
  }
  const key: Record<string, string> = { kty };
  for (const m of PUBLIC_MEMBERS[kty]!) {
    const v = raw[m];
    if (typeof v !== 'string' || v === '' || (m !== 'crv' && !B64URL.test(v))) throw new ClientKeyError(`${where}"${m}" is missing or not base64url`);
    key[m] = v;
  }
  if (kty === 'EC' && key.crv !== 'P-256') throw new ClientKeyError(`${where}EC keys must be on P-256 (ES256)`);
  if (kty === 'OKP' && key.crv !== 'Ed25519') throw new ClientKeyError(`${where}OKP keys must be Ed25519 (EdDSA)`);
  if (kty === 'RSA' && modulusBits(key.n!) < MIN_RSA_BITS) throw new ClientKeyError(`${where}RSA keys need at least ${MIN_RSA_BITS} bits`);

  for (const m of ['kid', 'alg', 'use'] as const) {
    const v = raw[m];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '' || v.length > 200 || /[\u0000-\u001f\u007f]/.test(v)) throw new ClientKeyError(`${where}"${m}" must be a short string`);
    key[m] = v;
  }
  // RFC 7517 §4.2, §4.3: a key registered for client authentication signs; a key for encryption is not one.
  if (key.use !== undefined && key.use !== 'sig') throw new ClientKeyError(`${where}"use" must be "sig"`);
  const ops = raw.key_ops;
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) throw new ClientKeyError(`${where}"key_ops" must include "verify"`);
  if (key.alg !== undefined) {
    if (!(ASSERTION_ALGORITHMS as readonly string[]).includes(key.alg)) throw new ClientKeyError(`${where}"alg" must be one of ${ASSERTION_ALGORITHMS.join(', ')}`);
    if (!keyFitsAlgorithm(key, key.alg)) throw new ClientKeyError(`${where}"alg" ${key.alg} does not fit a ${kty} key`);
  }
  try {
    await importJWK({ ...key }, algorithmOf(key));
  } catch {
    throw new ClientKeyError(`${where}the key does not load (its numbers are not a valid ${kty} public key)`);
  }
  return key;
}

function modulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.length - i === 0 ? 0 : (bytes.length - i) * 8 - Math.clz32(bytes[i]!) + 24;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
