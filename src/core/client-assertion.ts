import { decodeProtectedHeader, errors, importJWK, jwtVerify, type JWTPayload } from 'jose';
import type { PublicJwk } from '../storage/types.js';
import { ASSERTION_ALGORITHMS, keyFitsAlgorithm } from './client-keys.js';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT used for client authentication. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An assertion may live at most this long, counted from `iat` and from now (RFC 7523 §3 item 4: limit the window). */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Clock skew allowed on `exp`, `nbf` and `iat` (RFC 7523 §3: "some small leeway"). */
const ASSERTION_CLOCK_SKEW_SECONDS = 30;

/**
 * Records the client's `jti` until `expiresAt`: true the first time, false for a replay (RFC 7523 §3 item 7). The
 * store is shared by every node (storage `usedJtis`, purpose CLIENT_ASSERTION_PURPOSE).
 */
type ClaimJti = (jti: string, expiresAt: number) => Promise<boolean>;

/** The `purpose` of client assertion ids in the single-use id store; DPoP proofs have their own. */
export const CLIENT_ASSERTION_PURPOSE = 'client_assertion';
const MAX_JTI_CHARS = 256;

interface AssertionInput {
  assertion: string;
  clientId: string;
  keys: readonly PublicJwk[];
  /** The values `aud` may hold: the issuer identifier and the endpoint URLs (RFC 7523 §3 item 3). */
  audiences: readonly string[];
  now: number;
}

/** Why an assertion was refused: logged, never told to the client (every failure is the same invalid_client). */
type AssertionVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks a client assertion (RFC 7523 §3): signed by one of the client's keys with an allowed algorithm, `iss` and
 * `sub` the client, `aud` this server, `exp` present and near, `nbf`/`iat` not in the future, and its `jti` not seen
 * before. The `jti` is claimed last, so a forged assertion cannot use up a genuine one's `jti`.
 */
export async function verifyClientAssertion(claimJti: ClaimJti, input: AssertionInput): Promise<AssertionVerdict> {
  let header;
  try {
    header = decodeProtectedHeader(input.assertion);
  } catch {
    return refuse('not a JWS');
  }
  const alg = header.alg;
  // RFC 8725 §3.1: only the listed algorithms; `none` and HMAC (a public key used as a secret) never verify.
  if (typeof alg !== 'string' || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) return refuse(`alg ${String(alg)} not allowed`);

  const candidates = candidateKeys(input.keys, alg, header.kid);
  if (candidates.length === 0) return refuse(header.kid === undefined ? `no key fits alg ${alg}` : 'unknown kid');

  let payload: JWTPayload | undefined;
  for (const jwk of candidates) {
    try {
      const key = await importJWK({ ...jwk }, alg);
      ({ payload } = await jwtVerify(input.assertion, key, {
        algorithms: [alg],
        issuer: input.clientId,
        subject: input.clientId,
        currentDate: new Date(input.now * 1000),
        clockTolerance: ASSERTION_CLOCK_SKEW_SECONDS,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      }));
      break;
    } catch (err) {
      // Another key may have signed it (rotation); any other failure is final: the signature was good.
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      return refuse(err instanceof errors.JOSEError ? `${err.code}: ${err.message}` : 'unreadable');
    }
  }
  if (payload === undefined) return refuse('signature matches no registered key');

  const claims = checkClaims(payload, input);
  if (claims) return refuse(claims);
  const claimed = await claimJti(payload.jti as string, payload.exp! + ASSERTION_CLOCK_SKEW_SECONDS);
  return claimed ? { ok: true } : refuse('jti already used');
}

/**
 * The keys to try: with a `kid`, the key of that `kid` alone; without, every key of a fitting type. A key's own
 * `alg` and `use` must allow this use (RFC 7517 §4.2, §4.4).
 */
function candidateKeys(keys: readonly PublicJwk[], alg: string, kid: unknown): PublicJwk[] {
  const named = kid === undefined ? keys : keys.filter((k) => k.kid === kid);
  return named.filter((k) => keyFitsAlgorithm(k, alg) && (k.alg === undefined || sameAlgorithm(k.alg, alg)) && (k.use === undefined || k.use === 'sig'));
}

// RFC 9864 §2.2: Ed25519 names EdDSA over Ed25519, so a key registered for one verifies the other.
const sameAlgorithm = (a: string, b: string) => a === b || (a.startsWith('Ed') && b.startsWith('Ed'));

function checkClaims(payload: JWTPayload, input: AssertionInput): string | undefined {
  const { now } = input;
  // RFC 7523 §3 item 3: the audience is this server. One value: an assertion meant for several parties could be
  // replayed by any of them (the audience-injection concern of RFC 7523's successors).
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (aud.length !== 1 || !input.audiences.includes(aud[0]!)) return 'aud is not this server';
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > MAX_JTI_CHARS) return 'jti missing or malformed';
  const exp = payload.exp!;
  if (exp - now > MAX_ASSERTION_LIFETIME_SECONDS + ASSERTION_CLOCK_SKEW_SECONDS) return 'exp too far in the future';
  if (payload.iat !== undefined) {
    if (payload.iat > now + ASSERTION_CLOCK_SKEW_SECONDS) return 'iat in the future';
    if (exp - payload.iat > MAX_ASSERTION_LIFETIME_SECONDS) return 'lifetime (exp - iat) too long';
  }
  return undefined;
}

const refuse = (reason: string): AssertionVerdict => ({ ok: false, reason });
