/**
 * Where to go after logging in or signing up: a path on this origin only ("/account/…", "/oauth/authorize?…"),
 * so the login page can never be turned into an open redirector (RFC 9700 §4.11; OWASP unvalidated
 * redirects). The value is checked after the URL parser has normalised it: dot segments (`/..//evil`,
 * `/%2e%2e//evil`) can collapse a harmless-looking path into a scheme-relative `//evil`, so only what the
 * browser will actually follow is judged. Anything else falls back to the default.
 */
const BASE = 'http://return-to.invalid';

export function safeReturnTo(value: unknown, fallback = '/account'): string {
  if (typeof value !== 'string' || value.length > 2048 || !isLocalPath(value)) return fallback;
  let normalised: string;
  try {
    const url = new URL(value, BASE);
    if (url.origin !== BASE) return fallback;
    normalised = url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
  return isLocalPath(normalised) ? normalised : fallback;
}

/**
 * One leading slash, then no second slash or backslash right after it (browsers read `//host` and `/\host`
 * as another host), and no backslash, control character, tab or newline anywhere (the URL parser drops or
 * rewrites them).
 */
function isLocalPath(path: string): boolean {
  return path.startsWith('/') && path[1] !== '/' && !/[\u0000-\u001f\u007f\\]/.test(path);
}
