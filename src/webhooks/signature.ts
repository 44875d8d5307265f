import { createHmac } from 'node:crypto';

/**
 * `X-myPOS-Signature: t=<unix seconds>,v1=<hex>,v2=<hex>`, one v1/v2 pair per live secret, newest first:
 *
 * - `v1 = hex(HMAC-SHA256(secret, body))`, what the current myPOS page ("Receiving a webhook"), its PHP
 *   example and the integrators' SDKs compute and compare; `body` is the exact bytes sent.
 * - `v2 = hex(HMAC-SHA256(secret, t + "." + body))`, which also binds the timestamp, so a receiver that
 *   checks it can refuse a captured delivery replayed later with a fresh `t`. A verifier that knows only v1
 *   ignores it.
 *
 * While a rolled secret's grace period runs, the old secret signs too, so a receiver still holding it keeps
 * verifying (see docs/webhook-api.md).
 */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  const pairs = secrets.map((s) => `v1=${hmacHex(s, body)},v2=${hmacHex(s, `${timestamp}.${body}`)}`);
  return [`t=${timestamp}`, ...pairs].join(',');
}

const hmacHex = (secret: string, data: string): string => createHmac('sha256', secret).update(data).digest('hex');
