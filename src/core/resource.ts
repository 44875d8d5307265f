import { InvalidTargetError } from './errors.js';

/**
 * Resource indicators (RFC 8707). A token names the resource servers it may be used at (its audience); null is
 * a token restricted to none of them in particular, valid wherever it was before resource indicators existed.
 */

/** The resource servers of one environment that a client may name in `resource`. */
export interface ResourceServers {
  /** The Webhook API's identifier (served by this server). */
  webhookApi: string;
  /** Every identifier a client may name, the Webhook API's among them. */
  known: readonly string[];
}

/**
 * RFC 8707 §2: each value an absolute URI without a fragment; no whitespace (a URI never has any, and lists are
 * stored space-separated). Returns the message of what is wrong, or undefined.
 */
function resourceSyntaxProblem(value: string): string | undefined {
  if (value.length > 2000 || /[\s\u0000-\u001f\u007f]/.test(value)) return 'resource must be an absolute URI';
  if (value.includes('#')) return 'resource must not contain a fragment (RFC 8707 §2)';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) || !URL.canParse(value)) return 'resource must be an absolute URI (RFC 8707 §2)';
  return undefined;
}

/**
 * The audience a token asks for: the `resource` values given (none: null), each well-formed and known here, and
 * each within `granted` when the grant is already restricted (RFC 8707 §2.2: a token request may narrow what the
 * authorization granted, never widen it). None given keeps the grant's restriction.
 */
export function requestedAudience(values: readonly string[], known: readonly string[], granted: readonly string[] | null = null): string[] | null {
  if (values.length === 0) return granted === null ? null : [...granted];
  for (const v of values) {
    const problem = resourceSyntaxProblem(v);
    if (problem) throw new InvalidTargetError(problem);
    if (!known.includes(v)) throw new InvalidTargetError('resource is not a resource server known here');
    if (granted !== null && !granted.includes(v)) throw new InvalidTargetError('resource is beyond what was granted');
  }
  return [...new Set(values)];
}

/** Whether a token of this audience may be used at the resource server `identifier`. */
export function audienceAllows(audience: readonly string[] | null | undefined, identifier: string): boolean {
  return audience === null || audience === undefined || audience.includes(identifier);
}
