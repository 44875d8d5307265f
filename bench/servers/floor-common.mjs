// What both storage floors (storage-floor.mjs on SQLite, storage-floor-pg.mjs on PostgreSQL) do the same way:
// keyed hashing, time-ordered token values, the form parser and the hand-written replies. Kept to the least
// each request needs, like the floors themselves.
import { createHmac, createSecretKey, randomFillSync } from 'node:crypto';
import Fastify from 'fastify';

/** HMAC-SHA-256 of `purpose NUL value`, hex, as mypos-auth's SecretHasher computes it. */
export function hmacWith(keyBytes) {
  const key = createSecretKey(keyBytes);
  return (purpose, value) => createHmac('sha256', key).update(`${purpose}\0${value}`).digest('hex');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 42-character token values: 9 base36 digits of the issue time, then random alphanumerics (as ours). */
export function tokenMinter() {
  const bytes = Buffer.alloc(8192);
  let offset = bytes.length;
  return function newToken() {
    let out = Date.now().toString(36).padStart(9, '0').slice(-9);
    while (out.length < 42) {
      if (offset === bytes.length) { randomFillSync(bytes); offset = 0; }
      const b = bytes[offset++];
      if (b < 248) out += ALPHABET[b % 62];
    }
    return out;
  };
}

/** Fastify with only a form parser, and the two replies every floor sends. */
export function floorApp() {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 65536 }, (_req, raw, done) => done(null, new URLSearchParams(raw)));
  const json = (reply, body) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache').type('application/json; charset=utf-8').send(JSON.stringify(body));
  const refuse = (reply) => reply.code(401).type('application/json').send('{"error":"invalid_client"}');
  return { app, json, refuse };
}
