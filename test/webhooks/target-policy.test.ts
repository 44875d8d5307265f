import { describe, expect, it } from 'vitest';
import { httpDeliverer } from '../../src/webhooks/delivery.js';
import { checkPayloadUrl, classifyAddress, guardedLookup, targetPolicy } from '../../src/webhooks/target-policy.js';
import { startReceiver } from './helpers.js';

const production = targetPolicy('production', false);
const sandbox = targetPolicy('sandbox', false);

describe('webhooks/target-policy › SSRF guard', () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0.0.0.0', 'forbidden'],
    ['10.1.2.3', 'forbidden'],
    ['172.16.0.1', 'forbidden'],
    ['172.31.255.255', 'forbidden'],
    ['192.168.0.1', 'forbidden'],
    ['169.254.169.254', 'forbidden'],
    ['100.64.0.1', 'forbidden'],
    ['198.18.0.1', 'forbidden'],
    ['224.0.0.1', 'forbidden'],
    ['255.255.255.255', 'forbidden'],
    ['::', 'forbidden'],
    ['fe80::1', 'forbidden'],
    ['fd00::1', 'forbidden'],
    ['ff02::1', 'forbidden'],
    ['2001:db8::1', 'forbidden'],
    ['::ffff:10.0.0.1', 'forbidden'],
    ['::ffff:a9fe:a9fe', 'forbidden'],
    ['64:ff9b::a9fe:a9fe', 'forbidden'],
    ['2002:c0a8:0101::1', 'forbidden'],
    ['not-an-ip', 'forbidden'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it.each([
    ['https://example.com/hook', true, true],
    ['https://93.184.216.34/hook', true, true],
    ['http://example.com/hook', false, true],
    ['https://127.0.0.1/x', false, true],
    ['http://localhost:3000/x', false, true],
    ['http://api.localhost/x', false, true],
    ['https://[::1]/x', false, true],
    ['https://0x7f.1/x', false, true],
    ['https://2130706433/x', false, true],
    ['https://10.0.0.1/x', false, false],
    ['http://169.254.169.254/latest', false, false],
    ['https://[fd00::1]/x', false, false],
    ['https://[::ffff:192.168.1.1]/x', false, false],
    ['https://intranet/x', false, false],
    ['https://user:pass@example.com/x', false, false],
    ['https://example.com/x#frag', false, false],
    ['file:///etc/passwd', false, false],
    ['gopher://example.com/', false, false],
  ])('%s: production %s, sandbox %s', (url, inProduction, inSandbox) => {
    expect('url' in checkPayloadUrl(url, production)).toBe(inProduction);
    expect('url' in checkPayloadUrl(url, sandbox)).toBe(inSandbox);
  });

  it('the operator flag allows anything', () => {
    expect('url' in checkPayloadUrl('http://10.0.0.1/x', targetPolicy('production', true))).toBe(true);
  });

  it('DNS: a name resolving to a refused address is refused at connect time (rebinding)', async () => {
    const rebinding = ((_host: string, _opts: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
      cb(null, [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }])) as never;
    const lookup = guardedLookup(production, rebinding);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('rebind.example', { all: true }, (e) => resolve(e)));
    expect(err?.code).toBe('EREFUSEDADDRESS');

    const fine = ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
      cb(null, [{ address: '93.184.216.34', family: 4 }])) as never;
    const ok = await new Promise<unknown>((resolve) => guardedLookup(production, fine)('ok.example', {}, (_e, address) => resolve(address)));
    expect(ok).toBe('93.184.216.34');
  });

  it('delivery re-checks after DNS: a name resolving to loopback is never connected to under the production rules', async () => {
    const receiver = await startReceiver();
    // A name that passes the check when saved and resolves inward at delivery time.
    const resolve = ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
      cb(null, [{ address: '127.0.0.1', family: 4 }])) as never;
    try {
      // http allowed here only so the receiver can be plain http; loopback stays refused.
      const policy = { allowHttp: true, allowLoopback: false, allowAny: false };
      const deliver = httpDeliverer({ timeoutMs: 2000, resolve });
      const outcome = await deliver(
        { url: `http://rebind.example:${receiver.port}/hook`, event: 'e', body: '{}', signature: 't=1,v1=00', deliveryId: 'd' },
        policy,
        new AbortController().signal,
      );
      expect(outcome).toEqual({ ok: false, status: null, error: 'refused address' });
      expect(receiver.received).toHaveLength(0);
      // The same URL under sandbox rules is delivered.
      const sandboxOutcome = await deliver(
        { url: `http://rebind.example:${receiver.port}/hook`, event: 'e', body: '{}', signature: 't=1,v1=00', deliveryId: 'd' },
        sandbox,
        new AbortController().signal,
      );
      expect(sandboxOutcome.ok).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
