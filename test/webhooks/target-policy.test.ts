import { describe, expect, it } from 'vitest';
import { httpDeliverer } from '../../src/webhooks/delivery.js';
import { checkPayloadUrl, classifyAddress, guardedLookup, targetPolicy, type OwnListeners } from '../../src/webhooks/target-policy.js';
import { startReceiver } from './helpers.js';

const NONE: OwnListeners = { addresses: () => [], localAddresses: () => [] };
const production = targetPolicy('production', false, NONE);
const sandbox = targetPolicy('sandbox', false, NONE);

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
    expect('url' in checkPayloadUrl('http://10.0.0.1/x', targetPolicy('production', true, NONE))).toBe(true);
  });

  it('DNS: a name resolving to a refused address is refused at connect time (rebinding)', async () => {
    const rebinding = ((_host: string, _opts: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
      cb(null, [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }])) as never;
    const lookup = guardedLookup(production, 443, rebinding);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('rebind.example', { all: true }, (e) => resolve(e)));
    expect(err?.code).toBe('EREFUSEDADDRESS');

    const fine = ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
      cb(null, [{ address: '93.184.216.34', family: 4 }])) as never;
    const ok = await new Promise<unknown>((resolve) => guardedLookup(production, 443, fine)('ok.example', {}, (_e, address) => resolve(address)));
    expect(ok).toBe('93.184.216.34');
  });

  it('delivery re-checks after DNS: a name resolving to loopback is never connected to under the production rules', async () => {
    const receiver = await startReceiver();
    // A name that passes the check when saved and resolves inward at delivery time.
    const resolve = ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
      cb(null, [{ address: '127.0.0.1', family: 4 }])) as never;
    try {
      // http allowed here only so the receiver can be plain http; loopback stays refused.
      const policy = { allowHttp: true, allowLoopback: false, allowAny: false, ownListeners: NONE };
      const deliver = httpDeliverer({ timeoutMs: 2000, resolve });
      const outcome = await deliver(
        { url: `http://rebind.example:${receiver.port}/hook`, event: 'e', body: '{}', signature: 't=1,v1=00', deliveryId: 'd', webhookId: 'w' },
        policy,
        new AbortController().signal,
      );
      expect(outcome).toEqual({ ok: false, status: null, error: 'refused address' });
      expect(receiver.received).toHaveLength(0);
      // The same URL under sandbox rules is delivered.
      const sandboxOutcome = await deliver(
        { url: `http://rebind.example:${receiver.port}/hook`, event: 'e', body: '{}', signature: 't=1,v1=00', deliveryId: 'd', webhookId: 'w' },
        sandbox,
        new AbortController().signal,
      );
      expect(sandboxOutcome.ok).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

/** A resolver that answers every name with these addresses (DNS under the attacker's control). */
const resolvingTo = (...addresses: string[]) =>
  ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
    cb(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))) as never;

const lookupError = (policy: ReturnType<typeof targetPolicy>, port: number, resolve: never) =>
  new Promise<NodeJS.ErrnoException | null>((done) => guardedLookup(policy, port, resolve)('attacker.example', { all: true }, (e) => done(e)));

describe('webhooks/target-policy › IPv6 forms that embed IPv4 are judged by the IPv4 inside (issue finding 2)', () => {
  it.each([
    // IPv4-compatible ::/96 (RFC 4291 §2.5.5.1)
    ['::127.0.0.1', 'forbidden'],
    ['::7f00:1', 'forbidden'],
    ['::a00:1', 'forbidden'],
    ['::808:808', 'public'],
    // IPv4-mapped ::ffff:0:0/96: what a dual-stack socket really connects to
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:808:808', 'public'],
    // IPv4-translated ::ffff:0:0:0/96 (RFC 6145)
    ['::ffff:0:127.0.0.1', 'forbidden'],
    ['::ffff:0:a9fe:a9fe', 'forbidden'],
    ['::ffff:0:808:808', 'public'],
    // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052)
    ['64:ff9b::7f00:1', 'forbidden'],
    ['64:ff9b::127.0.0.1', 'forbidden'],
    ['64:ff9b::c0a8:101', 'forbidden'],
    ['64:ff9b::808:808', 'public'],
    // NAT64 local-use 64:ff9b:1::/48 (RFC 8215), at the /96 and /48 positions
    ['64:ff9b:1::7f00:1', 'forbidden'],
    ['64:ff9b:1:7f00:1::', 'forbidden'],
    ['64:ff9b:1::a00:1', 'forbidden'],
    // 6to4 2002::/16 (RFC 3056): the IPv4 address is the next 32 bits
    ['2002:7f00:1::1', 'forbidden'],
    ['2002:a9fe:a9fe::1', 'forbidden'],
    ['2002:808:808::1', 'public'],
    // Teredo 2001::/32 (RFC 4380): server address, and the client address stored inverted
    ['2001:0:7f00:1::1', 'forbidden'],
    ['2001:0:808:808:0:0:80f7:f7f7', 'forbidden'], // client 127.8.8.8
    ['2001:0:808:808:0:0:f7f7:f7f7', 'public'], // client 8.8.8.8
    // Not global unicast, nothing embedded
    ['4000::1', 'forbidden'],
    ['5f00::1', 'forbidden'],
    ['fe80::1%eth0', 'forbidden'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it.each([
    'https://localhost./',
    'https://foo.localhost./',
    'https://LOCALHOST/',
    'https://Foo.LocalHost../',
    'https://[::127.0.0.1]/',
    'https://[::ffff:0:127.0.0.1]/',
    'https://[64:ff9b:1::7f00:1]/',
    'https://[64:ff9b::7f00:1]/',
    'https://[64:ff9b::a9fe:a9fe]/latest',
    'https://[2002:7f00:1::1]/',
    'https://[2001:0:7f00:1::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://127.0.0.1./',
  ])('production refuses %s (the outside attack got 201 for the first five)', (url) => {
    const checked = checkPayloadUrl(url, production);
    expect(checked).toEqual({ problem: 'must point to a public address' });
  });

  it('the sandbox still takes loopback names with a trailing dot: they are loopback, not another host', () => {
    expect('url' in checkPayloadUrl('http://localhost.:3000/x', sandbox)).toBe(true);
    expect('url' in checkPayloadUrl('http://[64:ff9b::7f00:1]:3000/x', sandbox)).toBe(false);
  });

  it.each(['::127.0.0.1', '::ffff:0:7f00:1', '64:ff9b:1::7f00:1', '64:ff9b::a00:1', '2002:a9fe:a9fe::1', '::ffff:169.254.169.254'])(
    'delivery: a name resolving to %s is refused at connect time in production',
    async (address) => {
      expect((await lookupError(production, 443, resolvingTo(address)))?.code).toBe('EREFUSEDADDRESS');
    },
  );
});

describe("webhooks/target-policy › a webhook may not target this server's own listeners (issue finding 4)", () => {
  const own: OwnListeners = {
    addresses: () => [
      { host: '0.0.0.0', port: 8080 }, // sandbox, every interface
      { host: '127.0.0.1', port: 8081 }, // production
      { host: '127.0.0.1', port: 9464 }, // management (metrics)
    ],
    localAddresses: () => ['127.0.0.1', '::1', '192.0.2.10', 'fe80::1'],
  };
  const sandboxOwn = targetPolicy('sandbox', false, own);
  const productionOwn = targetPolicy('production', false, own);

  it.each([
    'http://127.0.0.1:8080/oauth/token',
    'http://127.0.0.1:8081/oauth/token',
    'http://127.0.0.1:9464/metrics',
    'http://127.9.9.9:8081/',
    'http://localhost:8081/oauth/token',
    'http://localhost.:8081/',
    'http://api.localhost:9464/metrics',
    'http://[::1]:8081/',
    'http://[::ffff:127.0.0.1]:8081/',
    'http://[::ffff:7f00:1]:9464/',
  ])('sandbox refuses %s', (url) => {
    expect(checkPayloadUrl(url, sandboxOwn)).toEqual({ problem: 'must not point to this server itself' });
  });

  it('0.0.0.0 with a listener port is refused too (it connects to this host)', () => {
    expect('problem' in checkPayloadUrl('http://0.0.0.0:8081/', sandboxOwn)).toBe(true);
    expect('problem' in checkPayloadUrl('http://[::]:8081/', sandboxOwn)).toBe(true);
  });

  it('a wildcard-bound listener is refused on every address of this machine, in production too', () => {
    // 192.0.2.10 stands for a public interface address here; the listener-port check comes first.
    expect(checkPayloadUrl('http://192.0.2.10:8080/', sandboxOwn)).toEqual({ problem: 'must not point to this server itself' });
    expect(checkPayloadUrl('https://192.0.2.10:8080/', productionOwn)).toEqual({ problem: 'must not point to this server itself' });
  });

  it('loopback on another port is still the integrator\'s own machine: allowed in the sandbox', () => {
    expect('url' in checkPayloadUrl('http://127.0.0.1:3000/hook', sandboxOwn)).toBe(true);
    expect('url' in checkPayloadUrl('http://localhost:8082/hook', sandboxOwn)).toBe(true);
  });

  it('the default port counts: a listener on 443 or 80 is refused for a URL without a port', () => {
    const onDefaults: OwnListeners = { addresses: () => [{ host: '::', port: 443 }, { host: '::', port: 80 }], localAddresses: () => [] };
    const p = targetPolicy('sandbox', false, onDefaults);
    expect('problem' in checkPayloadUrl('https://localhost/x', p)).toBe(true);
    expect('problem' in checkPayloadUrl('http://127.0.0.1/x', p)).toBe(true);
    expect('url' in checkPayloadUrl('http://127.0.0.1:444/x', p)).toBe(true);
  });

  it('delivery: a name resolving to this server on a listener port is refused at connect time', async () => {
    expect((await lookupError(sandboxOwn, 8081, resolvingTo('127.0.0.1')))?.code).toBe('EREFUSEDADDRESS');
    expect((await lookupError(sandboxOwn, 8080, resolvingTo('192.0.2.10')))?.code).toBe('EREFUSEDADDRESS');
    expect((await lookupError(sandboxOwn, 3000, resolvingTo('127.0.0.1')))).toBeNull();
  });
});

describe('webhooks/target-policy › the reason given for each refusal', () => {
  it.each([
    ['https://' + 'a'.repeat(2040) + '.example/', production, 'must be at most 2048 characters'],
    ['not a url', production, 'must be an absolute URL'],
    ['http://example.com/x', production, 'must be an https URL'],
    ['ftp://example.com/x', sandbox, 'must be an http or https URL'],
    ['https://user@example.com/x', production, 'must not carry credentials'],
    ['https://:pw@example.com/x', production, 'must not carry credentials'],
    ['https://example.com/x#f', production, 'must not have a fragment'],
    ['https://intranet/x', production, 'must name a fully qualified host'],
    ['https://[::]/x', sandbox, 'must point to a public address'],
    ['https://[64:ff9b:1:7f00:0:100::]/x', sandbox, 'must point to a public address'],
  ])('%s → %s', (url, policy, problem) => {
    expect(checkPayloadUrl(url, policy)).toEqual({ problem: expect.stringContaining(problem) });
  });

  it('a URL of exactly 2048 characters is judged on its merits', () => {
    const url = 'https://example.com/' + 'a'.repeat(2048 - 'https://example.com/'.length);
    expect(url).toHaveLength(2048);
    expect('url' in checkPayloadUrl(url, production)).toBe(true);
  });

  it('the sandbox takes what production takes, and more; the operator flag lifts the refusals', async () => {
    expect(targetPolicy('sandbox', false, NONE)).toMatchObject({ allowHttp: true, allowLoopback: true, allowAny: false });
    expect(targetPolicy('production', false, NONE)).toMatchObject({ allowHttp: false, allowLoopback: false, allowAny: false });
    const any = targetPolicy('production', true, NONE);
    expect(any).toMatchObject({ allowHttp: true, allowLoopback: false, allowAny: true });
    expect(await lookupError(any, 443, resolvingTo('10.0.0.1'))).toBeNull();
  });
});

describe("webhooks/target-policy › own listeners bound to one address", () => {
  const boundTo = (host: string, localAddresses: string[] = []): OwnListeners => ({ addresses: () => [{ host, port: 8443 }], localAddresses: () => localAddresses });

  it('a listener bound to a public address is refused at that address and port only', () => {
    const p = targetPolicy('production', false, boundTo('93.184.216.34', ['93.184.216.36']));
    expect(checkPayloadUrl('https://93.184.216.34:8443/', p)).toEqual({ problem: 'must not point to this server itself' });
    expect(checkPayloadUrl('https://[::ffff:93.184.216.34]:8443/', p)).toEqual({ problem: 'must not point to this server itself' });
    // Not wildcard-bound: the machine's other address does not reach it.
    expect('url' in checkPayloadUrl('https://93.184.216.36:8443/', p)).toBe(true);
    expect('url' in checkPayloadUrl('https://93.184.216.35:8443/', p)).toBe(true);
    expect('url' in checkPayloadUrl('https://93.184.216.34:8444/', p)).toBe(true);
  });

  it('a wildcard listener (:: or 0.0.0.0) is refused at every address of the machine, in either family', () => {
    for (const wildcard of ['::', '0.0.0.0']) {
      const p = targetPolicy('production', false, boundTo(wildcard, ['93.184.216.36', '2606:4700:4700::1111']));
      expect(checkPayloadUrl('https://93.184.216.36:8443/', p)).toEqual({ problem: 'must not point to this server itself' });
      expect(checkPayloadUrl('https://[2606:4700:4700::1111]:8443/', p)).toEqual({ problem: 'must not point to this server itself' });
      expect('url' in checkPayloadUrl('https://93.184.216.37:8443/', p)).toBe(true);
    }
  });

  it('the default port: https is 443 and http is 80', () => {
    const on80: OwnListeners = { addresses: () => [{ host: '127.0.0.1', port: 80 }], localAddresses: () => [] };
    const p = targetPolicy('sandbox', false, on80);
    expect('problem' in checkPayloadUrl('http://127.0.0.1/x', p)).toBe(true);
    expect('url' in checkPayloadUrl('https://127.0.0.1/x', p)).toBe(true);
  });
});
