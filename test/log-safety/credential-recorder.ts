import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordSecret } from './secret-register.js';

/** Body fields and JSON response fields that carry a credential, wherever they occur. */
const CREDENTIAL_FIELDS = new Set([
  'client_secret', 'client_assertion', 'password', 'current_password', 'new_password', 'code', 'code_verifier',
  'token', 'access_token', 'refresh_token', 'id_token', 'secret', '_csrf', 'csrf_token',
]);

/**
 * A plugin for in-process test servers that records every credential crossing the wire, either way: the
 * Authorization header (whole, and a Basic header's decoded secret), cookies, CSRF tokens, credential
 * fields of request bodies and JSON replies, and the code in a redirect. The log scan then looks for each
 * exact value, which also catches what no shape pattern would (a password, a JWT, a session id).
 */
export function credentialRecorder(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    recordRequestHeaders(request);
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const fields = (request.body as { fields?: Record<string, unknown> } | undefined)?.fields;
    for (const [name, value] of Object.entries(fields ?? {})) if (CREDENTIAL_FIELDS.has(name)) recordSecret(`request field ${name}`, value);
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    recordReply(reply, payload);
    done(null, payload);
  });
}

function recordRequestHeaders(request: FastifyRequest): void {
  const authorization = request.headers.authorization;
  if (authorization) {
    recordSecret('Authorization header', authorization);
    const [scheme, credentials] = authorization.split(/\s+/, 2);
    recordSecret(`${scheme} credentials`, credentials);
    if (scheme?.toLowerCase() === 'basic' && credentials) {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      recordSecret('Basic client secret', decoded.slice(decoded.search(/[:;]/) + 1));
    }
  }
  for (const cookie of (request.headers.cookie ?? '').split(';')) recordSecret('cookie', cookie.slice(cookie.indexOf('=') + 1).trim());
  recordSecret('X-CSRF-Token header', request.headers['x-csrf-token']);
}

function recordReply(reply: FastifyReply, payload: unknown): void {
  const location = reply.getHeader('location');
  if (typeof location === 'string') recordSecret('redirect code', new URL(location, 'http://x').searchParams.get('code') ?? undefined);
  const setCookie = reply.getHeader('set-cookie');
  for (const c of [setCookie ?? []].flat()) recordSecret('set-cookie', String(c).split(';')[0]!.split('=').slice(1).join('='));
  if (typeof payload !== 'string') return;
  const type = String(reply.getHeader('content-type') ?? '');
  if (type.includes('json')) {
    try {
      recordJsonFields(JSON.parse(payload));
    } catch {
      // Not JSON after all: nothing to read.
    }
  } else if (type.includes('html')) {
    for (const m of payload.matchAll(/name="_csrf" value="([^"]+)"/g)) recordSecret('page CSRF token', m[1]);
  }
}

function recordJsonFields(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  for (const [name, v] of Object.entries(value)) {
    if (CREDENTIAL_FIELDS.has(name)) recordSecret(`reply field ${name}`, v);
    else recordJsonFields(v);
  }
}
