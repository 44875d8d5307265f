import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from './errors.js';

export interface VerifyWebhookOptions {
  /** Largest accepted distance between the signed timestamp and now, seconds (default 300), either way. */
  toleranceSeconds?: number;
  /** Unix seconds to compare against (default: the system clock). */
  now?: number;
  /**
   * Refuse a header without `v2` (default false). Set it when every delivery comes from a server that sends
   * v2 (mypos-auth does): then a v2 stripped from a captured delivery cannot downgrade it to v1.
   */
  requireV2?: boolean;
}

/**
 * Verifies a webhook delivery's `X-myPOS-Signature: t=<unix seconds>,v1=<hex>[,v2=<hex>]` header over the **raw**
 * request body: verify before parsing the JSON. Several v1/v2 pairs (sent while a secret is rolled) are accepted if
 * any matches; unknown keys are ignored; digests are compared in constant time.
 *
 * - With `v2` in the header: `v2 = hex(HMAC-SHA256(secret, t + "." + body))` is checked and v1 is not. v2 binds
 *   the timestamp, so with the tolerance check a captured delivery cannot be replayed later under a fresh `t`.
 * - Without `v2` (a myPOS delivery, which carries only v1): `v1 = hex(HMAC-SHA256(secret, body))` is checked the way
 *   the myPOS docs do it, after removing the space after every colon and comma in the body, and `t` must be within the
 *   tolerance. v1 does not cover `t`, so here the tolerance only refuses a stale header, not a replay with a new
 *   `t`; and whoever can strip v2 from a delivery gets this weaker check, unless `requireV2` is set.
 *
 * @returns the signed timestamp, and which version was checked.
 * @throws {WebhookSignatureError} `ERR_WEBHOOK_SIGNATURE_MALFORMED`, `…_MISMATCH` or `…_TIMESTAMP`.
 * @see https://www.rfc-editor.org/rfc/rfc2104 (HMAC)
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): { timestamp: number; version: 'v1' | 'v2' } {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('body must be the raw request body (string or bytes), not parsed JSON');
  }
  if (typeof secret !== 'string' || secret === '') throw new TypeError('secret is required');
  const tolerance = options.toleranceSeconds ?? 300;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('toleranceSeconds must be a number ≥ 0');

  const { timestamp, v1, v2 } = parseSignatureHeader(header);
  if (v2.length === 0 && options.requireV2) throw new WebhookSignatureError('ERR_WEBHOOK_SIGNATURE_MALFORMED', 'The signature header has no v2 signature');
  const version = v2.length > 0 ? 'v2' : 'v1';
  const expected =
    version === 'v2'
      ? createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest()
      : createHmac('sha256', secret).update(docsNormalised(body)).digest();
  // Every candidate is compared (no early exit), each in constant time.
  let matched = false;
  for (const candidate of version === 'v2' ? v2 : v1) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) matched = true;
  }
  if (!matched) throw new WebhookSignatureError('ERR_WEBHOOK_SIGNATURE_MISMATCH', 'No signature matches the body');

  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookSignatureError('ERR_WEBHOOK_SIGNATURE_TIMESTAMP', 'The signature timestamp is outside the tolerance');
  }
  return { timestamp, version };
}

/** The body as the myPOS docs' example hashes it for v1: `: ` becomes `:` and `, ` becomes `,`. */
function docsNormalised(body: string | Uint8Array): string {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  return text.replaceAll(': ', ':').replaceAll(', ', ',');
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

function parseSignatureHeader(header: string | null | undefined): { timestamp: number; v1: string[]; v2: string[] } {
  const malformed = (why: string) => new WebhookSignatureError('ERR_WEBHOOK_SIGNATURE_MALFORMED', why);
  if (typeof header !== 'string' || header.trim() === '') throw malformed('The signature header is missing');
  let timestamp: number | undefined;
  const v1: string[] = [];
  const v2: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw malformed('The signature header is not a list of key=value pairs');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) throw malformed('The signature timestamp is not one Unix time');
      timestamp = Number(value);
    } else if (key === 'v1' || key === 'v2') {
      if (!HEX64.test(value)) throw malformed(`A ${key} signature is not 64 hex digits`);
      (key === 'v1' ? v1 : v2).push(value);
    }
  }
  if (timestamp === undefined) throw malformed('The signature header has no timestamp');
  if (v1.length === 0 && v2.length === 0) throw malformed('The signature header has no v1 signature');
  return { timestamp, v1, v2 };
}
