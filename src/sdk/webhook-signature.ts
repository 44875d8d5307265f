import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from './errors.js';

export interface VerifyWebhookOptions {
  /** Largest accepted distance between the signed timestamp and now, seconds (default 300), either way. */
  toleranceSeconds?: number;
  /** Unix seconds to compare against (default: the system clock). */
  now?: number;
}

/**
 * Verifies a webhook delivery's `X-myPOS-Signature: t=<unix seconds>,v1=<hex>` header, where
 * `v1 = hex(HMAC-SHA256(secret, t + "." + body))` over the **raw** request body, byte for byte: verify before parsing
 * the JSON, since re-serialising changes the bytes. Several `v1` entries (sent while a secret is rotated) are accepted
 * if any matches; unknown keys are ignored. Digests are compared in constant time, and a timestamp outside the
 * tolerance is refused, so a captured delivery cannot be replayed later.
 *
 * @returns the signed timestamp.
 * @throws {WebhookSignatureError} `ERR_WEBHOOK_SIGNATURE_MALFORMED`, `…_MISMATCH` or `…_TIMESTAMP`.
 * @see https://www.rfc-editor.org/rfc/rfc2104 (HMAC)
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): { timestamp: number } {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('body must be the raw request body (string or bytes), not parsed JSON');
  }
  if (typeof secret !== 'string' || secret === '') throw new TypeError('secret is required');
  const tolerance = options.toleranceSeconds ?? 300;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('toleranceSeconds must be a number ≥ 0');

  const { timestamp, signatures } = parseSignatureHeader(header);
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  // Every candidate is compared (no early exit), each in constant time.
  let matched = false;
  for (const candidate of signatures) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) matched = true;
  }
  if (!matched) throw new WebhookSignatureError('ERR_WEBHOOK_SIGNATURE_MISMATCH', 'No signature matches the body');

  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookSignatureError('ERR_WEBHOOK_SIGNATURE_TIMESTAMP', 'The signature timestamp is outside the tolerance');
  }
  return { timestamp };
}

function parseSignatureHeader(header: string | null | undefined): { timestamp: number; signatures: string[] } {
  const malformed = (why: string) => new WebhookSignatureError('ERR_WEBHOOK_SIGNATURE_MALFORMED', why);
  if (typeof header !== 'string' || header.trim() === '') throw malformed('The signature header is missing');
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw malformed('The signature header is not a list of key=value pairs');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) throw malformed('The signature timestamp is not one Unix time');
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) throw malformed('A v1 signature is not 64 hex digits');
      signatures.push(value);
    }
  }
  if (timestamp === undefined) throw malformed('The signature header has no timestamp');
  if (signatures.length === 0) throw malformed('The signature header has no v1 signature');
  return { timestamp, signatures };
}
