import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIONS, describeEvent, eventName, failedSignIns } from '../../src/account/views/activity.js';
import type { AuditEvent } from '../../src/storage/types.js';

/** Every audit action the server writes, read from the source: `audit(…, 'name'` and `action: 'name', actor:`. */
function actionsInSource(dir = join(process.cwd(), 'src')): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      for (const a of actionsInSource(path)) found.add(a);
      continue;
    }
    if (!path.endsWith('.ts')) continue;
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/\baudit\([^)]*?,\s*'([a-z_.]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/\baction: '([a-z_.]+)',\s*actor:/g)) found.add(m[1]!);
  }
  return found;
}

const event = (action: string, detail: Record<string, unknown> | null, count = 1): AuditEvent => ({
  id: 1, merchantId: 'm', clientId: 'c', environment: 'sandbox', action, actor: 'a@example.com', ip: '127.0.0.1', detail, count, at: 1_700_000_000,
});

describe('web account › activity wording: events and failures written for people', () => {
  it('every audit action the server writes has a name for people in the one table; none shows raw', () => {
    const actions = actionsInSource();
    expect(actions.size).toBeGreaterThanOrEqual(12);
    for (const a of actions) expect(ACTIONS[a], a).toBeDefined();
    expect(eventName('consent.withdrawn')).toBe('Consent withdrawn');
    expect(eventName('something.new')).toBe('Other event');
  });

  it('failed client sign-ins read as a sentence: "3 failed sign-ins from 127.0.0.1", singular for one, per address for several', () => {
    expect(describeEvent(event('client_auth_failed', { ips: [{ ip: '127.0.0.1', count: 3 }] }, 3))).toBe('3 failed sign-ins from 127.0.0.1');
    expect(describeEvent(event('client_auth_failed', { ips: [{ ip: '10.0.0.9', count: 1 }] }, 1))).toBe('1 failed sign-in from 10.0.0.9');
    expect(failedSignIns(5, [{ ip: '10.0.0.1', count: 3 }, { ip: '10.0.0.2', count: 2 }])).toBe('5 failed sign-ins: 3 from 10.0.0.1, 2 from 10.0.0.2');
    expect(describeEvent(event('tokens_revoked', { count: 1 }))).toBe('1 token revoked');
    expect(describeEvent(event('consent.withdrawn', { tokens_revoked: 2 }))).toBe('2 tokens revoked');
  });

  it('webhook changes read with the webhook they touched: rolled with or without an overlap, paused, resumed', () => {
    const hook = { webhook_id: 'w', payload_url: 'https://shop.example/hook' };
    expect(eventName('webhook.secret_rolled')).toBe('Webhook secret rolled');
    expect(describeEvent(event('webhook.secret_rolled', { ...hook, grace_seconds: 3600, previous_secret_expires_at: 1_700_003_600 }))).toBe(
      'https://shop.example/hook: old secret signs until 2023-11-14 23:13 UTC',
    );
    expect(describeEvent(event('webhook.secret_rolled', { ...hook, grace_seconds: 0, previous_secret_expires_at: null }))).toBe('https://shop.example/hook: old secret stopped at once');
    expect(`${eventName('webhook.paused')}: ${describeEvent(event('webhook.paused', hook))}`).toBe('Webhook paused: https://shop.example/hook: deliveries wait');
    expect(describeEvent(event('webhook.delivery_resent', { ...hook, event: 'pos.payment.completed', ok: false, response_code: 302, error: 'redirect not followed' }))).toBe(
      'pos.payment.completed to https://shop.example/hook: failed (302), redirect not followed',
    );
    expect(describeEvent(event('webhook.delivery_resent', { ...hook, event: 'pos.payment.completed', ok: true, response_code: 204, error: null }))).toBe(
      'pos.payment.completed to https://shop.example/hook: acknowledged (204)',
    );
    expect(`${eventName('webhook.resumed')}: ${describeEvent(event('webhook.resumed', hook))}`).toBe('Webhook resumed: https://shop.example/hook: waiting deliveries sent');
  });
});
