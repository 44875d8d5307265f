import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { sqliteBackend } from '../helpers/backends.js';
import { startServer } from '../helpers/start-server.js';
import { captureLogger } from '../log-safety/log-capture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids › random, or the caller\'s X-Request-Id when plain; echoed in the response and logged', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
        done();
      },
    });
    const backend = await sqliteBackend.create();
    cleanup = backend.cleanup;
    server = await startServer(resolveConfig({ db: backend.url, serverKey: 'b'.repeat(64), logLevel: 'info' }), {
      store: backend.store, logger: captureLogger(sink, 'info')!, listen: false,
    });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  const get = (headers: Record<string, string> = {}) => server.apps.sandbox.inject({ method: 'GET', url: '/healthz', headers });
  const loggedIdOf = (id: string) => lines.find((l) => l.msg === 'request' && l.reqId === id);

  it('no header: a random UUID per request (not a per-process counter such as req-1), echoed and logged', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const res = await get();
      const id = res.headers['x-request-id'] as string;
      expect(id).toMatch(UUID);
      expect(loggedIdOf(id)).toBeDefined();
      ids.push(id);
    }
    expect(new Set(ids).size).toBe(5);
  });

  it('a plain incoming X-Request-Id (UUID, ULID, proxy-style) is kept, echoed, and is the id in the log line', async () => {
    for (const given of ['0d6f1c1a-5b7a-4c1e-9a51-0f6f1c1a0001', '01JDX3K7Q9ZP6M2W8R4T5V7Y9B', 'lb-7:abc.def_123+x=/y', 'a'.repeat(128)]) {
      const res = await get({ 'x-request-id': given });
      expect(res.headers['x-request-id']).toBe(given);
      expect(loggedIdOf(given)).toBeDefined();
    }
  });

  it('an over-long or odd incoming id (spaces, quotes, markup, 129 characters, empty) is replaced by a fresh UUID', async () => {
    for (const given of ['a'.repeat(129), 'two words', '"quoted"', '<script>', 'id;drop', 'ünïcode', '']) {
      const res = await get({ 'x-request-id': given });
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(lines.some((l) => l.reqId === given)).toBe(false);
    }
  });

  it('two X-Request-Id headers (joined by Node as "a, b") are replaced, not half-trusted', async () => {
    const res = await server.apps.sandbox.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': ['aaa', 'bbb'] as unknown as string } });
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('error answers carry the id too (a caller quoting a failure can be found in the log)', async () => {
    const res = await server.apps.production.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'support-ticket-42' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toBe('support-ticket-42');
  });
});
