import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../core/errors.js';
import { EMPTY_PARAMS, type RequestParams } from '../core/params.js';

/**
 * Every body becomes RequestParams, whatever its media type; each endpoint decides which kinds it takes
 * (the token endpoint: form only; revocation: form or JSON, since the myPOS PHP example sends JSON).
 * Reading stops at the app's bodyLimit (413).
 *
 * RFC 9110 §8.6: a Content-Length of 0 means there is no content, so a zero-length body is no body, whatever
 * Content-Type says (the myPOS SDKs send `application/json` on every call, DELETE included): it is never
 * parsed, and never "malformed". Only a non-empty body is parsed by its media type.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, body === '' ? EMPTY_PARAMS : parseForm(body as string));
  });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? EMPTY_PARAMS : parseJsonObject(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // Anything else (multipart, text/plain, …) is read up to the cap and marked, so the endpoint can say
  // invalid_request rather than the framework saying 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    const empty = (body as Buffer).length === 0;
    done(null, empty ? EMPTY_PARAMS : ({ kind: 'unsupported', fields: Object.create(null), duplicates: [] } satisfies RequestParams));
  });
}

export function parseForm(body: string): RequestParams {
  const fields: Record<string, unknown> = Object.create(null);
  const duplicates: string[] = [];
  const repeated: Record<string, string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    if (name in fields) {
      if (!duplicates.includes(name)) {
        duplicates.push(name);
        repeated[name] = [fields[name] as string];
      }
      repeated[name]!.push(value);
      continue;
    }
    fields[name] = value;
  }
  return { kind: 'form', fields, duplicates, repeated };
}

export function parseJsonObject(body: string): RequestParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidRequestError('Malformed JSON body');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidRequestError('The JSON body must be an object');
  }
  // Copy into a prototype-less object: a "__proto__" key stays an ordinary field.
  const fields: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(parsed)) fields[k] = v;
  return { kind: 'json', fields, duplicates: [] };
}
