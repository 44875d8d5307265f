import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WebhookSignatureError } from '../../src/sdk/index.js';

const SECRET = 'whsec-0123456789abcdef0123456789';
const BODY = '{"event":"pos.payment.completed","payload":{"amount":"12.50","currency":"EUR"}}';
const T = 1_800_000_000;
/** The signature as the sender computes it, independently of the SDK: hex HMAC-SHA256(secret, t + "." + body). */
const sign = (t: number | string, body: string | Buffer = BODY, secret = SECRET) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
const header = (t: number | string = T, v1 = sign(t)) => `t=${t},v1=${v1}`;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookSignatureError) return err.code;
    throw err;
  }
  return 'ok';
}

describe('verifyWebhookSignature › X-myPOS-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>', () => {
  it('a correct signature within the tolerance → the signed timestamp', () => {
    expect(verifyWebhookSignature(BODY, header(), SECRET, { now: T + 10 })).toEqual({ timestamp: T });
  });

  it('the body may be bytes (the raw request body as received)', () => {
    expect(verifyWebhookSignature(Buffer.from(BODY), header(), SECRET, { now: T })).toEqual({ timestamp: T });
  });

  it('several v1 values (a secret being rotated) → accepted when any matches; unknown keys are ignored', () => {
    const h = `t=${T}, v0=zzz, v1=${sign(T, BODY, 'old-secret')}, v1=${sign(T)}`;
    expect(verifyWebhookSignature(BODY, h, SECRET, { now: T })).toEqual({ timestamp: T });
  });

  it('upper-case hex is accepted', () => {
    expect(codeOf(() => verifyWebhookSignature(BODY, header(T, sign(T).toUpperCase()), SECRET, { now: T }))).toBe('ok');
  });

  const cases: Array<[string, string, string | Buffer, string | undefined, string, number]> = [
    ['a modified body', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY.replace('12.50', '99.50'), header(), SECRET, T],
    ['the body re-serialised with spaces', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', JSON.stringify(JSON.parse(BODY), null, 1), header(), SECRET, T],
    ['another secret', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY, header(), 'not-the-secret', T],
    ['a timestamp changed after signing', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY, `t=${T + 1},v1=${sign(T)}`, SECRET, T],
    ['the body signed without the timestamp', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY, `t=${T},v1=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`, SECRET, T],
    ['a stale timestamp (301 s old, tolerance 300)', 'ERR_WEBHOOK_SIGNATURE_TIMESTAMP', BODY, header(), SECRET, T + 301],
    ['a timestamp 301 s in the future', 'ERR_WEBHOOK_SIGNATURE_TIMESTAMP', BODY, header(), SECRET, T - 301],
    ['no header', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, undefined, SECRET, T],
    ['an empty header', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, '', SECRET, T],
    ['no timestamp', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `v1=${sign(T)}`, SECRET, T],
    ['no v1', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T}`, SECRET, T],
    ['two timestamps', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T},t=${T},v1=${sign(T)}`, SECRET, T],
    ['a non-numeric timestamp', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=12e8,v1=${sign('12e8')}`, SECRET, T],
    ['a negative timestamp', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=-1,v1=${sign(-1)}`, SECRET, T],
    ['a truncated v1', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T},v1=${sign(T).slice(0, 63)}`, SECRET, T],
    ['a base64 v1', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T},v1=${Buffer.from(sign(T), 'hex').toString('base64')}`, SECRET, T],
    ['a part without "="', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T},v1`, SECRET, T],
  ];
  it.each(cases)('%s → %s', (_name, code, body, h, secret, now) => {
    expect(codeOf(() => verifyWebhookSignature(body, h, secret, { now }))).toBe(code);
  });

  it('toleranceSeconds is honoured: 301 s old passes with a tolerance of 600', () => {
    expect(codeOf(() => verifyWebhookSignature(BODY, header(), SECRET, { now: T + 301, toleranceSeconds: 600 }))).toBe('ok');
  });

  it('a parsed JSON object instead of the raw body is a programming error (TypeError), not a mismatch', () => {
    expect(() => verifyWebhookSignature(JSON.parse(BODY) as string, header(), SECRET, { now: T })).toThrow(TypeError);
  });

  it('the error message never contains the secret or the expected signature', () => {
    try {
      verifyWebhookSignature('x', header(), SECRET, { now: T });
    } catch (err) {
      expect((err as Error).message).not.toContain(SECRET);
      expect((err as Error).message).not.toContain(sign(T, 'x'));
    }
    expect.assertions(2);
  });
});
