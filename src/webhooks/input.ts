import type { FastifyRequest } from 'fastify';
import { rejectDuplicates, type RequestParams } from '../core/params.js';
import { bodyParams } from '../http/request-params.js';
import { ValidationError } from './errors.js';

/**
 * Request bodies of the Webhook API: form-urlencoded (what myPOS documents) or JSON. A body that does not
 * parse, has another media type or repeats a field is a 400; a field with a missing or bad value is a 422.
 */
export function readBody(request: FastifyRequest): RequestParams {
  const params = bodyParams(request, ['form', 'json']);
  rejectDuplicates(params);
  return params;
}

/** A string field; '' counts as absent. In JSON a non-string is refused rather than coerced. */
export function stringField(params: RequestParams, name: string, options: { required?: boolean; max?: number } = {}): string | undefined {
  const v = params.fields[name];
  if (v === undefined || v === null || v === '') {
    if (options.required) throw new ValidationError(name, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw new ValidationError(name, 'must be a string');
  if (options.max !== undefined && [...v].length > options.max) throw new ValidationError(name, `must be at most ${options.max} characters`);
  return v;
}

/** A boolean: JSON true/false, or in a form `true`/`false`/`1`/`0`. */
function booleanField(params: RequestParams, name: string): boolean | undefined {
  const v = params.fields[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ValidationError(name, 'must be true or false');
}

/**
 * A subscription filter: `{"tids": ["…", …]}` (terminal ids), as a JSON object, or as JSON text in a form.
 * Returns the canonical JSON text to store, or null for no filter.
 */
export function filterField(params: RequestParams): string | null {
  let v = params.fields.filter;
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ValidationError('filter', 'must be a JSON object');
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError('filter', 'must be a JSON object');
  const keys = Object.keys(v);
  const unknown = keys.find((k) => k !== 'tids');
  if (unknown !== undefined) throw new ValidationError('filter', 'only "tids" is supported');
  const tids = (v as { tids?: unknown }).tids;
  if (tids === undefined) return null;
  if (!Array.isArray(tids) || tids.length === 0 || tids.length > 1000) throw new ValidationError('filter', 'tids must be a list of 1 to 1000 terminal ids');
  for (const t of tids) {
    if (typeof t !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(t)) throw new ValidationError('filter', 'each tid must be 1 to 32 letters or digits');
  }
  return JSON.stringify({ tids: [...new Set(tids as string[])] });
}

/** `tid`: one terminal id, the form a subscription filter's `tids` take. */
export function tidField(params: RequestParams): string | undefined {
  const tid = stringField(params, 'tid');
  if (tid !== undefined && !/^[A-Za-z0-9]{1,32}$/.test(tid)) throw new ValidationError('tid', 'must be 1 to 32 letters or digits');
  return tid;
}

/** A secret the merchant chooses: 1 to 32 printable characters (myPOS: secret ≤ 32 characters). */
export function secretField(params: RequestParams): string | undefined {
  const secret = stringField(params, 'secret', { max: 32 });
  if (secret !== undefined && !/^[\x20-\x7E]+$/.test(secret)) throw new ValidationError('secret', 'must be printable ASCII');
  return secret;
}

/** Longest overlap of a rolled webhook secret: enough to redeploy a receiver, short enough that an old secret dies. */
export const MAX_SECRET_GRACE_SECONDS = 7 * 24 * 3600;

/**
 * `secret_grace_seconds`: how long the secret being replaced keeps signing next to the new one, 0 to 7 days in
 * whole seconds (JSON number, or digits in a form). Only with a new `secret`.
 */
export function secretGraceField(params: RequestParams, hasNewSecret: boolean): number | undefined {
  const v = params.fields.secret_grace_seconds;
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,7}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_SECRET_GRACE_SECONDS) {
    throw new ValidationError('secret_grace_seconds', `must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE_SECONDS}`);
  }
  if (!hasNewSecret) throw new ValidationError('secret_grace_seconds', 'is only taken with a new secret');
  return n;
}

/** The active flag: myPOS documents the property as `active` and answers with `is_active`; either is taken. */
export function activeField(params: RequestParams): boolean | undefined {
  return booleanField(params, 'is_active') ?? booleanField(params, 'active');
}
