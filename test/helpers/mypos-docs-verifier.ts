import { createHmac } from 'node:crypto';

/**
 * A delivery check written only from the myPOS docs ("Receiving a webhook" and its PHP example), the way an
 * integrator writes it: take `t` and `v1` from `X-myPOS-Signature`, remove the space after every colon and
 * comma in the body (the example's two str_replace calls), hex HMAC-SHA256 of that with the webhook secret,
 * compare with v1, and refuse a `t` more than 300 s away. It knows nothing of v2, and of our own code. Every v1
 * of the header is tried: a header carries one per live secret while a secret is rolled.
 */
export function verifiesLikeTheMyposDocs(secret: string, header: string | undefined, body: string, now = Math.floor(Date.now() / 1000)): boolean {
  if (!header) return false;
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.split('=');
    if (key === 't') t = value;
    if (key === 'v1' && value) v1.push(value);
  }
  if (t === undefined || v1.length === 0 || Math.abs(now - Number(t)) > 300) return false;
  const normalised = body.replaceAll(': ', ':').replaceAll(', ', ',');
  const expected = createHmac('sha256', secret).update(normalised).digest('hex');
  return v1.includes(expected);
}
