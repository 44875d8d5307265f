import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OAuthRequestError, TokenClient, type TokenClientOptions } from '../../packages/client/src/index.js';
import { parseRetryAfter } from '../../packages/client/src/http.js';
import { proxy, startPeer, startSocketServer, type Peer, type SocketServer } from './socket-server.js';

/**
 * Transient failures, produced by a small HTTP peer in front of the real server: it answers the first requests itself
 * (503, 429, a dropped connection) and proxies the rest. The SDK's sleep is injected: it records the delays it was
 * asked for and returns at once, so no test waits on a timer.
 */
describe('TokenClient › bounded retries with backoff', () => {
  let s: SocketServer;
  let creds: { id: string; secret: string };
  let peer: Peer | undefined;
  beforeAll(async () => {
    s = await startSocketServer();
    creds = await s.client();
  });
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });
  afterAll(() => s?.close());

  function clientVia(url: string, extra: Partial<TokenClientOptions> = {}) {
    const delays: number[] = [];
    const client = new TokenClient({
      clientId: creds.id,
      clientSecret: creds.secret,
      environment: { tokenUrl: `${url}/oauth/token`, introspectUrl: `${s.url()}/oauth/introspect` },
      sleep: async (ms) => {
        delays.push(ms);
      },
      ...extra,
    });
    return { client, delays };
  }

  /** Answers requests [0, n) with the given status and headers, then proxies to the real server. */
  async function failFirst(n: number, status: number, headers: Record<string, string> = {}, body = '{"error":"temporarily_unavailable"}') {
    peer = await startPeer(async (req, reqBody, res, i) => {
      if (i < n) {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
        return;
      }
      await proxy(s.url(), req, reqBody, res);
    });
    return peer;
  }

  it('503 with Retry-After: 1 → waits 1000 ms, retries, gets a real token', async () => {
    const p = await failFirst(1, 503, { 'retry-after': '1' });
    const { client, delays } = clientVia(p.url);
    const token = await client.getToken();
    expect(delays).toEqual([1000]);
    expect(p.requests).toHaveLength(2);
    expect(await client.introspect(token)).toMatchObject({ active: true });
  });

  it('429 with Retry-After: 2, twice → waits 2000 ms each time, then succeeds', async () => {
    const p = await failFirst(2, 429, { 'retry-after': '2' });
    const { client, delays } = clientVia(p.url);
    await client.getToken();
    expect(delays).toEqual([2000, 2000]);
    expect(p.requests).toHaveLength(3);
  });

  it('5xx without Retry-After → exponential backoff with jitter (base 100 ms: 50–100, then 100–200)', async () => {
    const p = await failFirst(2, 502, {}, '<html>Bad Gateway</html>');
    const { client, delays } = clientVia(p.url, { retry: { baseDelayMs: 100 } });
    await client.getToken();
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('network error (connection dropped mid-request) → retried', async () => {
    peer = await startPeer(async (req, body, res, i) => {
      if (i === 0) {
        req.socket.destroy();
        return;
      }
      await proxy(s.url(), req, body, res);
    });
    const { client, delays } = clientVia(peer.url);
    const token = await client.getToken();
    expect(delays).toHaveLength(1);
    expect(await client.introspect(token)).toMatchObject({ active: true });
  });

  it('bounded: always 503 → 1 + retries requests, then OAuthRequestError with the server error and retryAfter', async () => {
    const p = await failFirst(100, 503, { 'retry-after': '1' });
    const { client, delays } = clientVia(p.url, { retry: { retries: 3 } });
    const err = (await client.getToken().catch((e: unknown) => e)) as OAuthRequestError;
    expect(p.requests).toHaveLength(4);
    expect(delays).toEqual([1000, 1000, 1000]);
    expect(err).toBeInstanceOf(OAuthRequestError);
    expect({ code: err.code, error: err.error, status: err.status, retryAfter: err.retryAfter }).toEqual({
      code: 'ERR_OAUTH_RESPONSE_ERROR',
      error: 'temporarily_unavailable',
      status: 503,
      retryAfter: 1,
    });
  });

  it('Retry-After beyond maxDelayMs → no early retry: the error is raised at once with retryAfter', async () => {
    const p = await failFirst(100, 429, { 'retry-after': '120' });
    const { client, delays } = clientVia(p.url, { retry: { maxDelayMs: 30_000 } });
    await expect(client.getToken()).rejects.toMatchObject({ status: 429, retryAfter: 120 });
    expect(p.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('a definite refusal (401 invalid_client) is not retried', async () => {
    peer = await startPeer((req, body, res) => proxy(s.url(), req, body, res));
    const client = new TokenClient({ clientId: creds.id, clientSecret: 'y'.repeat(48), environment: { tokenUrl: `${peer.url}/oauth/token` } });
    await expect(client.getToken()).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
    expect(peer.requests).toHaveLength(1);
  });

  it('nothing listening → ERR_OAUTH_NETWORK after the bounded retries, status 0', async () => {
    const closed = await startPeer(() => {});
    await closed.close();
    const { client, delays } = clientVia(closed.url, { retry: { retries: 2 } });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'ERR_OAUTH_NETWORK', error: 'network_error', status: 0 });
    expect(delays).toHaveLength(2);
  });

  it('a non-OAuth error page → ERR_OAUTH_UNEXPECTED_STATUS with the status', async () => {
    const p = await failFirst(100, 502, { 'content-type': 'text/html' }, '<html>Bad Gateway</html>');
    const { client } = clientVia(p.url, { retry: { retries: 0 } });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'ERR_OAUTH_UNEXPECTED_STATUS', error: 'unexpected_status', status: 502 });
  });

  it('timeout: a server that never answers → ERR_OAUTH_NETWORK "timed out"', async () => {
    peer = await startPeer(() => {}); // never responds
    const { client } = clientVia(peer.url, { timeoutMs: 200, retry: { retries: 0 } });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'ERR_OAUTH_NETWORK', error_description: 'The request timed out' });
  });
});

describe('Retry-After parsing (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-01-01T00:00:00Z') / 1000;
  it.each([
    ['7', 7],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
  ])('%j → %j seconds', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
