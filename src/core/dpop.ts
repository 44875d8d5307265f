import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import type { UsedJtiRepository } from '../storage/types.js';
import type { Clock } from './clock.js';
import { replayKey } from './replay-key.js';
import type { SecretHasher } from './secret-hasher.js';

/**
 * DPoP proof checks (RFC 9449 §4.3), with no I/O of their own beyond the single-use id store passed in. The
 * token endpoint and every resource server path share them; each turns a rejection into its own error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */

/**
 * Asymmetric algorithms only (§4.3 check 5: never `none`, never a MAC). `Ed25519` is the fully-specified name
 * of EdDSA over Ed25519 (RFC 9864), which WebCrypto-based clients send.
 */
export const DPOP_ALGORITHMS: readonly string[] = ['ES256', 'EdDSA', 'Ed25519'];

/** The single-use id purpose of DPoP proofs in the shared store. */
const JTI_PURPOSE = 'dpop_proof';
/** Clock skew allowed for a proof made "in the future" (§11.1: a window around the server's time). */
const FUTURE_LEEWAY_SECONDS = 5;
/** Far beyond any honest proof (an ES256 or Ed25519 proof is under 1 KiB): refused before it is parsed. */
const MAX_PROOF_LENGTH = 4096;
const MAX_JTI_LENGTH = 256;
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** JWK members that hold private or symmetric key material (RFC 7518 §6): a proof's key must be public (§4.3 check 7). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Why a proof was refused; `nonce` set means the server wants the client to retry with that nonce (§8, §9). */
export class DpopRejection extends Error {
  constructor(
    readonly description: string,
    readonly nonce?: string,
  ) {
    super(description);
  }
}

/** What a checked proof establishes: the key's RFC 7638 thumbprint (`jkt`). */
interface DpopProof {
  jkt: string;
}

/** The request a proof must be about. */
interface DpopRequest {
  /** The HTTP method (§4.3 check 8: `htm`). */
  method: string;
  /** The absolute URI the request was received at (§4.3 check 9: `htu`; query and fragment are ignored). */
  url: string;
  /** At a resource: the access token presented with the proof (§4.3 check 12: `ath`). */
  accessToken?: string;
  /** At a resource: the thumbprint the token is bound to; the proof's key must match it (§4.3 check 12). */
  boundJkt?: string;
}

/**
 * Stateless nonces (§8, §9): the current period's number and a MAC over it under a key derived from the server
 * key, so every node issues and accepts the same values without storing any. A nonce of the current or the
 * previous period is accepted, so one handed out just before a period ends still works.
 */
export class DpopNonces {
  readonly #key: Buffer;

  constructor(
    hasher: SecretHasher,
    private readonly periodSeconds = 300,
  ) {
    this.#key = hasher.deriveKey('dpop-nonce v1');
  }

  current(now: number): string {
    return this.#make(Math.floor(now / this.periodSeconds));
  }

  isValid(nonce: unknown, now: number): boolean {
    if (typeof nonce !== 'string' || nonce.length > 64) return false;
    const period = Math.floor(now / this.periodSeconds);
    return [period, period - 1].some((p) => {
      const expected = Buffer.from(this.#make(p));
      const given = Buffer.from(nonce);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  #make(period: number): string {
    const mac = createHmac('sha256', this.#key).update(String(period)).digest().subarray(0, 18);
    return `${period.toString(36)}.${mac.toString('base64url')}`;
  }
}

interface DpopVerifierDeps {
  replay: Pick<UsedJtiRepository, 'claimOnce'>;
  hasher: SecretHasher;
  clock: Clock;
  /** How old a proof may be (config.dpopProofMaxAgeSeconds). */
  maxAgeSeconds: number;
  /** Present when proofs must carry a server-issued nonce (config.dpopNonce). */
  nonces?: DpopNonces | undefined;
}

/** Checks DPoP proofs against RFC 9449 §4.3, in the order of its list, and claims each `jti` once across nodes. */
export class DpopProofVerifier {
  constructor(private readonly deps: DpopVerifierDeps) {}

  /** The nonce to hand out with a response (`DPoP-Nonce`), when nonces are required. */
  currentNonce(): string | undefined {
    return this.deps.nonces?.current(this.deps.clock.now());
  }

  /**
   * The proof in the request's `DPoP` field (every value, when the field was sent more than once), checked
   * against `request`; a DpopRejection names the first check that failed.
   */
  async verify(field: string | readonly string[] | undefined, request: DpopRequest): Promise<DpopProof> {
    // §4.3 check 1: exactly one DPoP field.
    if (field === undefined) throw new DpopRejection('A DPoP proof is required');
    if (typeof field !== 'string') {
      if (field.length !== 1) throw new DpopRejection('Send one DPoP header, not several');
      field = field[0]!;
    }
    // Check 2: a well-formed JWS in compact form.
    if (field.length > MAX_PROOF_LENGTH || !JWS_SHAPE.test(field)) throw new DpopRejection('The DPoP proof is not a JWT');

    let header: { jwk?: unknown };
    let claims: Record<string, unknown>;
    try {
      const preview = JSON.parse(Buffer.from(field.slice(0, field.indexOf('.')), 'base64url').toString('utf8')) as Record<string, unknown>;
      // Check 7 before the key is imported: a private key in `jwk` is refused by name.
      const jwk = preview.jwk;
      if (typeof jwk === 'object' && jwk !== null && PRIVATE_MEMBERS.some((m) => m in jwk)) {
        throw new DpopRejection('The DPoP proof key must be a public key');
      }
      // Checks 4–6: typ, an allowed asymmetric alg, the signature under the embedded key.
      const verified = await jwtVerify(field, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS] });
      header = verified.protectedHeader;
      claims = verified.payload as Record<string, unknown>;
    } catch (err) {
      if (err instanceof DpopRejection) throw err;
      throw new DpopRejection(proofFailure(err));
    }

    // Check 3: the claims a proof must carry.
    const { jti, htm, htu, iat } = claims;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw new DpopRejection('The DPoP proof needs a jti');
    if (typeof htm !== 'string' || typeof htu !== 'string') throw new DpopRejection('The DPoP proof needs htm and htu');
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopRejection('The DPoP proof needs an iat');
    // Check 8 (methods are case-sensitive, RFC 9110 §9.1) and check 9 (syntax- and scheme-based normalisation).
    if (htm !== request.method) throw new DpopRejection('The DPoP proof htm does not match the request method');
    const expectedUri = normalizeHtu(request.url);
    if (expectedUri === undefined || normalizeHtu(htu) !== expectedUri) throw new DpopRejection('The DPoP proof htu does not match the request URI');

    // Check 11: made recently, not ahead of our clock beyond skew.
    const now = this.deps.clock.now();
    if (iat < now - this.deps.maxAgeSeconds || iat > now + FUTURE_LEEWAY_SECONDS) {
      throw new DpopRejection('The DPoP proof iat is outside the accepted window');
    }

    // Check 12: at a resource, the proof covers this token and was made with the token's key.
    if (request.accessToken !== undefined) {
      if (claims.ath !== accessTokenHash(request.accessToken)) throw new DpopRejection('The DPoP proof ath does not match the access token');
    }
    const jkt = await calculateJwkThumbprint(header.jwk as JWK, 'sha256');
    if (request.boundJkt !== undefined && jkt !== request.boundJkt) {
      throw new DpopRejection('The DPoP proof key is not the key the access token is bound to');
    }

    // Check 10: the server's nonce, when it asks for one (§8, §9).
    const nonces = this.deps.nonces;
    if (nonces && !nonces.isValid(claims.nonce, now)) {
      throw new DpopRejection(claims.nonce === undefined ? 'A DPoP nonce is required' : 'The DPoP nonce is stale or unknown', nonces.current(now));
    }

    // §11.1: a proof is single use. Last, so a refused proof claims nothing; kept while its iat is acceptable.
    const fresh = await this.deps.replay.claimOnce(JTI_PURPOSE, replayKey(this.deps.hasher, jkt, jti), Math.ceil(iat) + this.deps.maxAgeSeconds);
    if (!fresh) throw new DpopRejection('The DPoP proof was already used');
    return { jkt };
  }
}

/** §4.2 `ath`: base64url of the SHA-256 of the access token's ASCII octets. */
function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/**
 * §4.3 check 9 with RFC 3986 §6.2.2 and §6.2.3 normalisation, which WHATWG URL parsing performs (scheme and
 * host lower-cased, default port dropped, dot segments resolved); query and fragment are left out. Only
 * absolute http(s) URIs compare.
 */
function normalizeHtu(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The description of a failed JOSE check, written here so no library message reaches a response. */
function proofFailure(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return `The DPoP proof must be signed with one of: ${DPOP_ALGORITHMS.join(', ')}`;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (err as { claim?: string }).claim === 'typ') return 'The DPoP proof typ must be dpop+jwt';
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'The DPoP proof signature does not verify';
  return 'The DPoP proof is malformed';
}
