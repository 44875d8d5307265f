import pino, { type Logger } from 'pino';

/**
 * Structured logs that never carry a secret: request lines hold method, path (no query string) and status
 * only, any field that could hold a credential is censored wherever it appears, and so is credential-shaped
 * text inside a logged error.
 */
const REDACT_PATHS = [
  'authorization',
  'req.headers.authorization',
  'headers.authorization',
  'client_secret',
  'client_assertion',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'code',
  'code_verifier',
  '*.authorization',
  '*.client_secret',
  '*.client_assertion',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.code_verifier',
];

const CENSOR = '[redacted]';

/**
 * Credential-shaped text: an Authorization value, a credential parameter, a JWT, a 48-character secret or a
 * 42-character token, code or refresh token (src/core/random.ts).
 */
const CREDENTIAL_TEXT: Array<[RegExp, string]> = [
  [/\b(Basic|Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/g, `$1 ${CENSOR}`],
  [/\b(client_secret|client_assertion|password|code_verifier|code|token|access_token|refresh_token)=[^&\s"']+/g, `$1=${CENSOR}`],
  [/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g, CENSOR],
  [/(?<![A-Za-z0-9])(?:[A-Za-z0-9]{48}|[A-Za-z0-9]{42})(?![A-Za-z0-9])/g, CENSOR],
];

function censorCredentialText(text: string): string {
  return CREDENTIAL_TEXT.reduce((out, [re, replacement]) => out.replace(re, replacement), text);
}

/**
 * Errors are logged with message and stack, which redaction by field name cannot see into; an unexpected
 * error may quote what it failed on (a driver echoing a value, a message built from a token). Bytes are
 * dropped whole: Node's HTTP parser errors carry `rawPacket`, the request as received, Authorization
 * header included, which Fastify logs at trace for every request it cannot parse (431, 400). Both found by
 * the end-of-run log scan of the test suite (test/log-safety/).
 */
function censoredError(err: unknown): unknown {
  const censor = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return censorCredentialText(value);
    if (ArrayBuffer.isView(value)) return `${CENSOR} ${value.byteLength} bytes`;
    if (value === null || typeof value !== 'object' || depth > 3) return value;
    if (Array.isArray(value)) return value.map((v) => censor(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, censor(v, depth + 1)]));
  };
  return censor(pino.stdSerializers.err(err as Error), 0);
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      serializers: { err: censoredError },
      base: { service: 'mypos-auth' },
    },
    destination,
  );
}

/** The path of a URL without its query string, which may carry a misplaced secret (SECURITY-CASES A20). */
export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
