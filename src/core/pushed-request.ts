import { randomAlphanumeric } from './random.js';

/**
 * Pushed authorization requests (RFC 9126): the request_uri handed out for a pushed request, and the request's
 * parameters as stored until their one use at the authorization endpoint.
 */

/** RFC 9126 §2.2: the URN namespace for request URIs, then the random reference. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
const REFERENCE_LENGTH = 42;
const REFERENCE = /^[A-Za-z0-9]{42}$/;

/** A new request_uri (RFC 9126 §2.2: a cryptographically strong random part) and its reference, which gets stored hashed. */
export function newRequestUri(): { requestUri: string; reference: string } {
  const reference = randomAlphanumeric(REFERENCE_LENGTH);
  return { requestUri: REQUEST_URI_PREFIX + reference, reference };
}

/** The reference in a presented request_uri; undefined when it cannot be one of ours. */
export function referenceOf(requestUri: string): string | undefined {
  if (!requestUri.startsWith(REQUEST_URI_PREFIX)) return undefined;
  const reference = requestUri.slice(REQUEST_URI_PREFIX.length);
  return REFERENCE.test(reference) ? reference : undefined;
}

/** The request's parameters as stored: the given ones, `resource` values space-separated (URIs hold no space). */
export function storedParams(fields: Record<string, string | undefined>, resources: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  if (resources.length > 0) out.resource = resources.join(' ');
  return out;
}

/** The stored parameters back as the authorization request's fields and resources. */
export function fromStoredParams(stored: Record<string, string>): { fields: Record<string, string | undefined>; resources: string[] } {
  const { resource, ...fields } = stored;
  return { fields, resources: resource === undefined ? [] : resource.split(' ') };
}
