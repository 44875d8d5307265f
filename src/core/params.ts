import { InvalidRequestError } from './errors.js';

/** A request body after parsing, whatever its media type. Field objects have no prototype. */
export interface RequestParams {
  readonly kind: 'form' | 'json' | 'none' | 'unsupported';
  readonly fields: Record<string, unknown>;
  /** Names that appeared more than once (form bodies only). */
  readonly duplicates: readonly string[];
  /** Every value of each name that appeared more than once, in order (form bodies only). */
  readonly repeated?: Readonly<Record<string, readonly string[]>>;
}

export const EMPTY_PARAMS: RequestParams = { kind: 'none', fields: Object.create(null), duplicates: [] };

/**
 * RFC 6749 §3.1/§3.2: request parameters MUST NOT be included more than once, except those an extension lets
 * repeat (`resource`, RFC 8707 §2).
 */
export function rejectDuplicates(params: RequestParams, repeatable: readonly string[] = []): void {
  const repeated = params.duplicates.find((name) => !repeatable.includes(name));
  if (repeated !== undefined) throw new InvalidRequestError(`Parameter sent more than once: ${safeName(repeated)}`);
}

/** Every value of a repeatable parameter, in order; empty values count as omitted (RFC 6749 §3.2). */
export function repeatedParam(params: RequestParams, name: string): string[] {
  const all = params.repeated?.[name];
  if (all !== undefined) return all.filter((v) => v !== '');
  const one = optionalParam(params, name);
  return one === undefined ? [] : [one];
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
