import { constants, createPrivateKey, createPublicKey, KeyObject, sign as signWithKeyObject, webcrypto, type JsonWebKey } from 'node:crypto';

/**
 * The JWS algorithms the SDK signs with (RFC 7518 §3; RFC 8037 §3.1 for EdDSA; `Ed25519` is EdDSA's fully-specified
 * name, RFC 9864).
 */
export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'Ed25519' | 'RS256' | 'PS256';

/** A private key: a WebCrypto `CryptoKey`, a `node:crypto` `KeyObject`, or a private JWK (with `d`). */
export type PrivateKeyInput = webcrypto.CryptoKey | KeyObject | JsonWebKey;

const ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256'];
/** The members of a public JWK per key type (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2); nothing private survives. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = { EC: ['kty', 'crv', 'x', 'y'], OKP: ['kty', 'crv', 'x'], RSA: ['kty', 'e', 'n'] };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Signs compact JWS (RFC 7515 §7.1) with one private key, with `node:crypto` or WebCrypto and nothing else. */
export class JwsSigner {
  readonly alg: SigningAlgorithm;
  readonly #sign: (data: Buffer) => Promise<Uint8Array>;
  readonly #publicJwk: () => Promise<JsonWebKey>;

  /** @throws {TypeError} when the key is not a private key for one of the algorithms, or does not fit `alg`. */
  constructor(option: string, key: PrivateKeyInput, alg?: SigningAlgorithm, publicJwk?: JsonWebKey) {
    if (alg !== undefined && !ALGORITHMS.includes(alg)) throw new TypeError(`${option}.alg must be one of ${ALGORITHMS.join(', ')}`);
    // A private member in a key meant to be published is a mistake to report, not to trim silently.
    if (publicJwk !== undefined && PRIVATE_MEMBERS.some((m) => m in publicJwk)) throw new TypeError(`${option}.publicJwk must not hold private key members`);
    const given = publicJwk === undefined ? undefined : publicOnly(option, publicJwk);
    if (isCryptoKey(key)) {
      if (key.type !== 'private' || !key.usages.includes('sign')) throw new TypeError(`${option}.privateKey must be a private CryptoKey usable to sign`);
      const params = webCryptoParams(option, key, alg);
      this.alg = alg ?? params.alg;
      this.#sign = async (data) => new Uint8Array(await webcrypto.subtle.sign(params.sign, key, data));
      this.#publicJwk = async () => {
        if (given) return given;
        if (!key.extractable) throw new TypeError(`${option}.publicJwk is required with a non-extractable CryptoKey`);
        return publicOnly(option, (await webcrypto.subtle.exportKey('jwk', key)) as JsonWebKey);
      };
      return;
    }
    let keyObject: KeyObject;
    if (key instanceof KeyObject) keyObject = key;
    else if (key && typeof key === 'object' && typeof (key as JsonWebKey).kty === 'string') {
      try {
        keyObject = createPrivateKey({ key: key as JsonWebKey, format: 'jwk' });
      } catch {
        throw new TypeError(`${option}.privateKey is not a private JWK (kty and d are required)`);
      }
      alg ??= ALGORITHMS.find((a) => a === (key as JsonWebKey).alg);
    } else throw new TypeError(`${option}.privateKey must be a CryptoKey, a KeyObject or a private JWK`);
    if (keyObject.type !== 'private') throw new TypeError(`${option}.privateKey must be a private key`);
    this.alg = keyObjectAlgorithm(option, keyObject, alg);
    const signOptions = keyObjectSignOptions(this.alg, keyObject);
    this.#sign = async (data) => signWithKeyObject(signOptions.digest, data, signOptions.key);
    this.#publicJwk = async () => {
      if (given) return given;
      try {
        return publicOnly(option, createPublicKey(keyObject).export({ format: 'jwk' }));
      } catch {
        // Node.js exports no JWK for RSA-PSS keys (RFC 7518 has no form for their parameters).
        throw new TypeError(`${option}.publicJwk is required: the public half of this key has no JWK form`);
      }
    };
  }

  /** The public key as a JWK: only the key type's public members (RFC 9449 §4.2 `jwk` must hold no private part). */
  publicJwk(): Promise<JsonWebKey> {
    return this.#publicJwk();
  }

  /** A compact JWS of `payload` under `header` (`alg` is added). */
  async sign(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
    const input = `${base64url(JSON.stringify({ alg: this.alg, ...header }))}.${base64url(JSON.stringify(payload))}`;
    const signature = await this.#sign(Buffer.from(input, 'ascii'));
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  }
}

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

function isCryptoKey(key: unknown): key is webcrypto.CryptoKey {
  // The global class (Node.js ≥ 22); `webcrypto.CryptoKey` is not exported at run time.
  const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => unknown }).CryptoKey;
  return CryptoKeyClass !== undefined && key instanceof CryptoKeyClass;
}

/** WebCrypto names for each JWS algorithm (RFC 7518 §3.3–3.5; ECDSA output is already the JWS r‖s form). */
function webCryptoParams(option: string, key: webcrypto.CryptoKey, alg: SigningAlgorithm | undefined) {
  const a = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  const fits = (expected: SigningAlgorithm[], sign: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams | webcrypto.RsaPssParams) => {
    if (alg !== undefined && !expected.includes(alg)) throw new TypeError(`${option}.alg ${alg} does not fit a ${a.name} key`);
    return { alg: expected[0]!, sign };
  };
  if (a.name === 'ECDSA' && a.namedCurve === 'P-256') return fits(['ES256'], { name: 'ECDSA', hash: 'SHA-256' });
  if (a.name === 'Ed25519') return fits(['EdDSA', 'Ed25519'], { name: 'Ed25519' });
  if (a.hash?.name === 'SHA-256' && a.name === 'RSASSA-PKCS1-v1_5') return fits(['RS256'], { name: a.name });
  // RFC 7518 §3.5: the salt is as long as the hash.
  if (a.hash?.name === 'SHA-256' && a.name === 'RSA-PSS') return fits(['PS256'], { name: a.name, saltLength: 32 });
  throw new TypeError(`${option}.privateKey must be a P-256 ECDSA, Ed25519 or SHA-256 RSA key`);
}

function keyObjectAlgorithm(option: string, key: KeyObject, alg: SigningAlgorithm | undefined): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  const allowed: SigningAlgorithm[] =
    type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      ? ['ES256']
      : type === 'ed25519'
        ? ['EdDSA', 'Ed25519']
        : type === 'rsa'
          ? ['RS256', 'PS256']
          : type === 'rsa-pss'
            ? ['PS256']
            : [];
  if (allowed.length === 0) throw new TypeError(`${option}.privateKey must be a P-256 EC, Ed25519 or RSA key`);
  if (alg !== undefined && !allowed.includes(alg)) throw new TypeError(`${option}.alg ${alg} does not fit a ${type} key`);
  return alg ?? allowed[0]!;
}

function keyObjectSignOptions(alg: SigningAlgorithm, key: KeyObject) {
  switch (alg) {
    case 'ES256':
      // RFC 7518 §3.4: the signature is r‖s, not DER.
      return { digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' as const } };
    case 'EdDSA':
    case 'Ed25519':
      return { digest: null, key };
    case 'RS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PADDING } };
    case 'PS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
  }
}

/** The public members of a JWK, in the order RFC 7638 §3.2 lists them. */
function publicOnly(option: string, jwk: JsonWebKey): JsonWebKey {
  const members = typeof jwk?.kty === 'string' ? PUBLIC_MEMBERS[jwk.kty] : undefined;
  if (!members) throw new TypeError(`${option}.publicJwk must be an EC, OKP or RSA public JWK`);
  return Object.fromEntries(members.filter((m) => typeof jwk[m] === 'string').map((m) => [m, jwk[m]]));
}

