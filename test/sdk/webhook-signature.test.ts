import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WebhookSignatureError } from '../../packages/client/src/index.js';

const SECRET = 'whsec-0123456789abcdef0123456789';
const BODY = '{"event":"pos.payment.completed","payload":{"amount":"12.50","currency":"EUR"}}';
const T = 1_800_000_000;
/** Signatures as the sender computes them, independently of the SDK. v2 = HMAC(secret, t + "." + body). */
const signV2 = (t: number | string, body: string | Buffer = BODY, secret = SECRET) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
/** v1 = HMAC(secret, body), what the myPOS docs compare. */
const signV1 = (body: string = BODY, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const header = (t: number | string = T, v2 = signV2(t), v1 = signV1()) => `t=${t},v1=${v1},v2=${v2}`;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookSignatureError) return err.code;
    throw err;
  }
  return 'ok';
}

describe('verifyWebhookSignature › X-myPOS-Signature: t=<unix>,v1=<hex HMAC(secret, body)>,v2=<hex HMAC(secret, t.body)>', () => {
  it('a correct header within the tolerance → the signed timestamp, checked by v2', () => {
    expect(verifyWebhookSignature(BODY, header(), SECRET, { now: T + 10 })).toEqual({ timestamp: T, version: 'v2' });
  });

  it('the body may be bytes (the raw request body as received)', () => {
    expect(verifyWebhookSignature(Buffer.from(BODY), header(), SECRET, { now: T })).toEqual({ timestamp: T, version: 'v2' });
  });

  it('v2 present → v2 decides: a wrong v2 fails even when v1 is right (v1 does not bind t)', () => {
    expect(codeOf(() => verifyWebhookSignature(BODY, header(T, signV2(T + 1)), SECRET, { now: T }))).toBe('ERR_WEBHOOK_SIGNATURE_MISMATCH');
  });

  it('a timestamp changed after signing fails v2, so a captured delivery cannot be replayed under a fresh t', () => {
    expect(codeOf(() => verifyWebhookSignature(BODY, `t=${T + 1000},v1=${signV1()},v2=${signV2(T)}`, SECRET, { now: T + 1000 }))).toBe(
      'ERR_WEBHOOK_SIGNATURE_MISMATCH',
    );
  });

  it('a myPOS delivery (v1 only) → v1 over the body, checked as the docs do, within the tolerance', () => {
    expect(verifyWebhookSignature(BODY, `t=${T},v1=${signV1()}`, SECRET, { now: T + 5 })).toEqual({ timestamp: T, version: 'v1' });
    expect(codeOf(() => verifyWebhookSignature(BODY, `t=${T},v1=${signV1()}`, SECRET, { now: T + 301 }))).toBe('ERR_WEBHOOK_SIGNATURE_TIMESTAMP');
  });

  it('v1 only: a body sent with spaces after ":" and "," verifies against v1 over its compact form (the docs’ normalisation)', () => {
    const spaced = '{"event": "pos.payment.completed", "payload": {"amount": "12.50", "currency": "EUR"}}';
    expect(verifyWebhookSignature(spaced, `t=${T},v1=${signV1(BODY)}`, SECRET, { now: T })).toEqual({ timestamp: T, version: 'v1' });
  });

  it('requireV2 refuses a header stripped of its v2', () => {
    expect(codeOf(() => verifyWebhookSignature(BODY, `t=${T},v1=${signV1()}`, SECRET, { now: T, requireV2: true }))).toBe(
      'ERR_WEBHOOK_SIGNATURE_MALFORMED',
    );
    expect(codeOf(() => verifyWebhookSignature(BODY, header(), SECRET, { now: T, requireV2: true }))).toBe('ok');
  });

  it('several v1/v2 pairs (a secret being rolled) → accepted when any matches, newest or oldest; unknown keys are ignored', () => {
    const old = 'old-secret-0123456789';
    const h = `t=${T}, v0=zzz, v1=${signV1(BODY)}, v2=${signV2(T)}, v1=${signV1(BODY, old)}, v2=${signV2(T, BODY, old)}`;
    expect(verifyWebhookSignature(BODY, h, SECRET, { now: T })).toEqual({ timestamp: T, version: 'v2' });
    expect(verifyWebhookSignature(BODY, h, old, { now: T })).toEqual({ timestamp: T, version: 'v2' });
  });

  it('upper-case hex is accepted', () => {
    expect(codeOf(() => verifyWebhookSignature(BODY, header(T, signV2(T).toUpperCase()), SECRET, { now: T }))).toBe('ok');
  });

  const cases: Array<[string, string, string | Buffer, string | undefined, string, number]> = [
    ['a modified body', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY.replace('12.50', '99.50'), header(), SECRET, T],
    ['the body re-serialised with newlines', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', JSON.stringify(JSON.parse(BODY), null, 1), header(), SECRET, T],
    ['another secret', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY, header(), 'not-the-secret', T],
    ['v1 only, another secret', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY, `t=${T},v1=${signV1()}`, 'not-the-secret', T],
    ['v1 only, a modified body', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY.replace('12.50', '99.50'), `t=${T},v1=${signV1()}`, SECRET, T],
    ['v1 carrying the t-bound MAC', 'ERR_WEBHOOK_SIGNATURE_MISMATCH', BODY, `t=${T},v1=${signV2(T)}`, SECRET, T],
    ['a stale timestamp (301 s old, tolerance 300)', 'ERR_WEBHOOK_SIGNATURE_TIMESTAMP', BODY, header(), SECRET, T + 301],
    ['a timestamp 301 s in the future', 'ERR_WEBHOOK_SIGNATURE_TIMESTAMP', BODY, header(), SECRET, T - 301],
    ['no header', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, undefined, SECRET, T],
    ['an empty header', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, '', SECRET, T],
    ['no timestamp', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `v1=${signV1()},v2=${signV2(T)}`, SECRET, T],
    ['no v1 and no v2', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T}`, SECRET, T],
    ['two timestamps', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T},t=${T},v2=${signV2(T)}`, SECRET, T],
    ['a non-numeric timestamp', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=12e8,v2=${signV2('12e8')}`, SECRET, T],
    ['a negative timestamp', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=-1,v2=${signV2(-1)}`, SECRET, T],
    ['a truncated v2', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T},v2=${signV2(T).slice(0, 63)}`, SECRET, T],
    ['a base64 v1', 'ERR_WEBHOOK_SIGNATURE_MALFORMED', BODY, `t=${T},v1=${Buffer.from(signV1(), 'hex').toString('base64')}`, SECRET, T],
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
      expect((err as Error).message).not.toContain(signV2(T, 'x'));
    }
    expect.assertions(2);
  });
});
