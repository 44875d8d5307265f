import { randomUUID, type JsonWebKey } from 'node:crypto';
import { JwsSigner, type PrivateKeyInput, type SigningAlgorithm } from './jws.js';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT used for client authentication. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How long an assertion lives: long enough to cross the network, short enough to be worthless soon after (RFC 7523 §3 item 4). */
const ASSERTION_LIFETIME_SECONDS = 60;

/** Authentication with a signed JWT instead of a secret (`private_key_jwt`, RFC 7523 §2.2; OpenID Connect Core §9). */
export interface PrivateKeyJwtOptions {
  method: 'private_key_jwt';
  /** The private half of a key registered for the client (`mypos-auth clients create --jwks`, or the Web Account). */
  privateKey: PrivateKeyInput;
  /** The registered key's `kid`, sent in the header so the server picks the key at once. Default: a JWK's own `kid`. */
  kid?: string;
  /** Default: the key's own algorithm (ES256 for P-256, EdDSA for Ed25519, RS256 for RSA, PS256 for RSA-PSS). */
  alg?: SigningAlgorithm;
  /**
   * The assertion's `aud`. Default: the token endpoint URL, which RFC 7523 §3 item 3 names and mypos-auth accepts at
   * every endpoint; some servers want their issuer identifier instead.
   */
  audience?: string;
}

/** Makes client assertions (RFC 7523 §3): `iss` = `sub` = the client, one `aud`, `exp` 60 s on, a fresh `jti`. */
export class ClientAssertionSigner {
  readonly #clientId: string;
  readonly #signer: JwsSigner;
  readonly #kid: string | undefined;
  readonly #audience: string;

  constructor(clientId: string, options: PrivateKeyJwtOptions, tokenUrl: string) {
    this.#clientId = clientId;
    this.#signer = new JwsSigner('clientAuth', options.privateKey, options.alg);
    const kid = options.kid ?? (options.privateKey as JsonWebKey).kid;
    if (kid !== undefined && (typeof kid !== 'string' || kid === '')) throw new TypeError('clientAuth.kid must be a non-empty string');
    this.#kid = kid as string | undefined;
    if (options.audience !== undefined && (typeof options.audience !== 'string' || options.audience === '')) {
      throw new TypeError('clientAuth.audience must be a non-empty string');
    }
    this.#audience = options.audience ?? tokenUrl;
  }

  assertion(now: number): Promise<string> {
    const claims = { iss: this.#clientId, sub: this.#clientId, aud: this.#audience, iat: now, exp: now + ASSERTION_LIFETIME_SECONDS, jti: randomUUID() };
    return this.#signer.sign(this.#kid === undefined ? {} : { kid: this.#kid }, claims);
  }
}
