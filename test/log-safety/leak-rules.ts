/**
 * What a leaked credential looks like in a log line. Each rule finds character ranges, so a report can mask
 * exactly what matched. Formats: client secrets 48 and tokens, codes and refresh tokens 42 alphanumerics
 * (src/core/random.ts); JWT access tokens (RFC 9068); Authorization headers (RFC 7617 Basic, RFC 6750 Bearer).
 */
export interface Match {
  rule: string;
  start: number;
  end: number;
}

const ALNUM_RUN = (n: number) => new RegExp(`(?<![A-Za-z0-9])[A-Za-z0-9]{${n}}(?![A-Za-z0-9])`, 'g');

const PATTERNS: Array<{ rule: string; re: RegExp; accept?: (m: RegExpMatchArray) => boolean }> = [
  // A Basic credential always decodes to printable "id:secret" (or the myPOS "id;secret"), which keeps
  // words like "Basic authentication" out.
  { rule: 'Authorization: Basic credentials', re: /\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})/g, accept: (m) => /^[\x20-\x7e]*[:;][\x20-\x7e]*$/.test(Buffer.from(m[1]!, 'base64').toString('latin1')) },
  { rule: 'Authorization: Bearer token', re: /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*/g },
  // A header as sent, in a request dump (raw, or inside a JSON string where line breaks are escaped).
  { rule: 'Authorization header line', re: /(?:^|[\r\n"']|\\[rn])[ \t]*authorization:[ \t]*[^\s"'\\]+/gi },
  { rule: 'client secret shape (48 alphanumerics)', re: ALNUM_RUN(48) },
  { rule: 'token, code or refresh token shape (42 alphanumerics)', re: ALNUM_RUN(42) },
  { rule: 'JWT', re: /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g },
  // A query string or form body with a credential in it (request lines log the path only).
  { rule: 'credential parameter', re: /(?:^|[?&\s"'])(?:client_secret|client_assertion|password|code|code_verifier|token|access_token|refresh_token)=(?!\[redacted\])[^&\s"'#]+/g },
];

/** JSON log fields that may only ever hold the censor (src/http/logger.ts), whatever object they sit in. */
const CREDENTIAL_KEYS = new Set([
  'authorization', 'cookie', 'set-cookie', 'x-csrf-token', 'client_secret', 'client_assertion', 'password', 'current_password',
  'new_password', 'code_verifier', 'access_token', 'refresh_token', 'id_token', 'token', '_csrf', 'csrf_token',
]);
const CENSOR = '[redacted]';

export function patternMatches(line: string): Match[] {
  const out: Match[] = [];
  for (const { rule, re, accept } of PATTERNS) {
    for (const m of line.matchAll(re)) if (!accept || accept(m)) out.push({ rule, start: m.index!, end: m.index! + m[0].length });
  }
  return out;
}

/** A JSON line's credential fields holding anything but the censor. */
export function fieldMatches(line: string): Match[] {
  if (!line.startsWith('{')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return [];
  }
  const out: Match[] = [];
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (CREDENTIAL_KEYS.has(key.toLowerCase()) && typeof v === 'string' && v !== '' && v !== CENSOR) {
        const escaped = JSON.stringify(v).slice(1, -1);
        const start = line.indexOf(`"${escaped}"`) + 1;
        out.push({ rule: `credential field "${key}"`, start: start || 0, end: start ? start + escaped.length : line.length });
      } else walk(v);
    }
  };
  walk(parsed);
  return out;
}

/**
 * Bytes logged as JSON (`{"type":"Buffer","data":[80,79,…]}`, how pino writes a Buffer), decoded, with the
 * span of the number list in the line: raw request bytes would hide a credential from every text rule.
 */
export function loggedBuffers(line: string): Array<{ text: string; start: number; end: number }> {
  const out: Array<{ text: string; start: number; end: number }> = [];
  for (const m of line.matchAll(/"type":"Buffer","data":\[([\d,]*)\]/g)) {
    const bytes = m[1] ? m[1].split(',').map(Number) : [];
    out.push({ text: Buffer.from(bytes).toString('latin1'), start: m.index!, end: m.index! + m[0].length });
  }
  return out;
}
