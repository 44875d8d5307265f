import { InvalidRequestError } from './errors.js';

/** A request body after parsing, whatever its media type. Field objects have no prototype. */
export interface RequestParams {
  readonly kind: 'form' | 'json' | 'none' | 'unsupported';
  readonly fields: Record<string, unknown>;
  /** Names that appeared more than once (form bodies only). */
  readonly duplicates: readonly string[];
}

export const EMPTY_PARAMS: RequestParams = { kind: 'none', fields: Object.create(null), duplicates: [] };

/** RFC 6749 §3.1/§3.2: request parameters MUST NOT be included more than once. */
export function rejectDuplicates(params: RequestParams): void {
  if (params.duplicates.length > 0) {
    throw new InvalidRequestError(`Parameter sent more than once: ${safeName(params.duplicates[0]!)}`);
  }
}

/** A string parameter; a parameter sent without a value counts as omitted (RFC 6749 §3.2). */
export function optionalParam(params: RequestParams, name: string): string | undefined {
  const v = params.fields[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new InvalidRequestError(`Parameter ${name} must be a string`);
  return v;
}

export function requiredParam(params: RequestParams, name: string): string {
  const v = optionalParam(params, name);
  if (v === undefined) throw new InvalidRequestError(`Missing parameter: ${name}`);
  return v;
}

// Parameter names come from the caller; only echo ones that look like OAuth names.
const safeName = (s: string): string => (/^[a-z_]{1,40}$/.test(s) ? s : '(unnamed)');
