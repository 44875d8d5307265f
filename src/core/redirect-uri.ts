/**
 * Redirect URI rules. Registration: absolute, no fragment (RFC 6749 §3.1.2), `https`, or `http` only to a
 * loopback host (RFC 8252 §7.3; RFC 9700 §2.1). Matching: exact string comparison against a registered
 * value, no normalisation, no wildcards (RFC 9700 §4.1.3), so `…/cb/../x`, `%2E%2E`, case changes and an
 * explicit `:443` all fail.
 */
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function validateRedirectUri(uri: string): string | undefined {
  if (uri.length > 2000) return 'a redirect URI may have at most 2000 characters';
  if (/[\s\u0000-\u001f\u007f]/.test(uri)) return 'a redirect URI may not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URL`;
  }
  if (uri.includes('#')) return 'a redirect URI may not contain a fragment (RFC 6749 §3.1.2)';
  if (url.username || url.password) return 'a redirect URI may not contain credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return 'a redirect URI must use https, or http to a loopback address (127.0.0.1, [::1], localhost)';
}

export function redirectUriRegistered(registered: readonly string[], presented: string): boolean {
  return registered.includes(presented);
}
