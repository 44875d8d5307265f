import { InvalidScopeError } from './errors.js';

/** The scopes this server knows. `webhooks` guards the Webhook API; the others mirror myPOS's other APIs. */
export const KNOWN_SCOPES = ['webhooks', 'transactions', 'devices'] as const;

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The scope to grant. None asked means everything the client may have (RFC 6749 §3.3, documented default);
 * a request asks for a subset, anything beyond it is invalid_scope. The result keeps the client's order.
 */
export function grantedScope(requested: string | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  const asked = parseScope(requested);
  for (const s of asked) {
    if (!allowed.includes(s)) throw new InvalidScopeError('The requested scope is not allowed for this client');
  }
  return allowed.filter((s) => asked.includes(s));
}

/** Splits a scope string strictly: single spaces, RFC 6749 §3.3 characters only. */
export function parseScope(value: string): string[] {
  const parts = value.split(' ');
  for (const p of parts) {
    if (!SCOPE_TOKEN.test(p)) throw new InvalidScopeError('Malformed scope');
  }
  return [...new Set(parts)];
}

/** Validates scopes given at client creation (CLI, Web Account). */
export function validateClientScopes(scopes: readonly string[]): string[] {
  const out = [...new Set(scopes)];
  if (out.length === 0) throw new Error('A client needs at least one scope');
  for (const s of out) {
    if (!(KNOWN_SCOPES as readonly string[]).includes(s)) {
      throw new Error(`Unknown scope "${s}"; known scopes: ${KNOWN_SCOPES.join(', ')}`);
    }
  }
  return out;
}
