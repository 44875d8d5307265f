import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator for tests: ES256 (COSE alg -7), "none" attestation, a signature counter.
 * It builds the same JSON a browser's `credential.toJSON()` gives (WebAuthn §5.1, §6.1, §6.5).
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  readonly #key: KeyObject;
  readonly #cose: Buffer;
  counter = 0;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#key = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    // RFC 9053 §7.1.1 EC2 key: kty 2, alg -7 (ES256), crv 1 (P-256), x, y.
    this.#cose = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
  }

  get id(): string {
    return this.credentialId.toString('base64url');
  }

  /** The answer to `navigator.credentials.create()` for these options, as sent from `origin`. */
  create(options: { challenge: string; rp: { id: string } }, origin: string): string {
    const clientData = clientDataJSON('webauthn.create', options.challenge, origin);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([sha256(options.rp.id), Buffer.from([0x45]), u32(this.counter), Buffer.alloc(16), idLength, this.credentialId, this.#cose]);
    const attestationObject = cbor(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: clientData.toString('base64url'), attestationObject: attestationObject.toString('base64url'), transports: ['internal'] },
      clientExtensionResults: {},
    });
  }

  /** The answer to `navigator.credentials.get()` for `challenge`; the counter goes up unless `counter` is given. */
  get(challenge: string, rpId: string, origin: string, options: { counter?: number } = {}): string {
    this.counter = options.counter ?? this.counter + 1;
    const clientData = clientDataJSON('webauthn.get', challenge, origin);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([0x05]), u32(this.counter)]);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), this.#key);
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: clientData.toString('base64url'), authenticatorData: authData.toString('base64url'), signature: signature.toString('base64url') },
      clientExtensionResults: {},
    });
  }
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function clientDataJSON(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/** The few CBOR items (RFC 8949 §3) the authenticator data needs: integers, byte and text strings, maps. */
function cbor(value: unknown): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') {
    const b = Buffer.from(value);
    return Buffer.concat([head(3, b.length), b]);
  }
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  throw new Error('unsupported CBOR value');
}
