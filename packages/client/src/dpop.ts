import { createHash, generateKeyPairSync, randomUUID, type JsonWebKey } from 'node:crypto';
import { JwsSigner, type PrivateKeyInput, type SigningAlgorithm } from './jws.js';

/**
 * The key a client proves possession of (RFC 9449 §4.1). mypos-auth accepts ES256 and EdDSA (Ed25519) keys; other
 * servers list theirs in `dpop_signing_alg_values_supported` (RFC 9449 §5.1).
 */
export interface DpopOptions {
  privateKey: PrivateKeyInput;
  /** Required only with a non-extractable CryptoKey, whose public half cannot be read from it. */
  publicJwk?: JsonWebKey;
  /** Default: the key's own algorithm (ES256 for P-256, EdDSA for Ed25519, RS256 for RSA). */
  alg?: SigningAlgorithm;
}

/** The request a proof is about. */
interface ProofTarget {
  method: string;
  url: string;
  /** At a resource server: the access token the proof covers (`ath`, RFC 9449 §4.2). */
  accessToken?: string;
}

/** Makes DPoP proofs (RFC 9449 §4.2) with one key, and remembers the nonce each server last handed out (§8, §9). */
export class DpopProver {
  readonly #signer: JwsSigner;
  #jwk: Promise<JsonWebKey> | undefined;
  /** Server nonce per origin: the authorization server and each resource server issue their own (§9). */
  readonly #nonces = new Map<string, string>();

  /** `true`: a fresh ES256 key pair, kept in memory for this object's lifetime. */
  constructor(option: true | DpopOptions) {
    if (option === true) {
      this.#signer = new JwsSigner('dpop', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256');
      return;
    }
    if (!option || typeof option !== 'object') throw new TypeError('dpop must be true or { privateKey, publicJwk?, alg? }');
    this.#signer = new JwsSigner('dpop', option.privateKey, option.alg, option.publicJwk);
  }

  /** A proof for one request: `htm`, `htu` without query and fragment (§4.2), `iat`, a fresh `jti`, and the nonce. */
  async proof(target: ProofTarget, now: number): Promise<string> {
    this.#jwk ??= this.#signer.publicJwk();
    // A failed read of the public key (a non-extractable CryptoKey without publicJwk) is reported every time, not cached.
    const jwk = await this.#jwk.catch((err: unknown) => {
      this.#jwk = undefined;
      throw err;
    });
    const url = new URL(target.url);
    const claims: Record<string, unknown> = { jti: randomUUID(), htm: target.method, htu: `${url.protocol}//${url.host}${url.pathname}`, iat: now };
    if (target.accessToken !== undefined) claims.ath = createHash('sha256').update(target.accessToken, 'ascii').digest('base64url');
    const nonce = this.#nonces.get(url.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    return this.#signer.sign({ typ: 'dpop+jwt', jwk }, claims);
  }

  /** Keeps the `DPoP-Nonce` a server sent with any answer (§8.2: a new one may come with a success too); true if there was one. */
  rememberNonce(url: string, headers: Headers): boolean {
    const nonce = headers.get('dpop-nonce');
    // §8.1: the nonce is an opaque NQCHAR string.
    if (nonce === null || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(nonce)) return false;
    this.#nonces.set(new URL(url).origin, nonce);
    return true;
  }
}
