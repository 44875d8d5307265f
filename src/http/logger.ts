import pino, { type Logger } from 'pino';

/**
 * Structured logs that never carry a secret: request lines hold method, path (no query string) and status
 * only, and any field that could hold a credential is censored wherever it appears.
 */
export const REDACT_PATHS = [
  'authorization',
  'req.headers.authorization',
  'headers.authorization',
  'client_secret',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'code',
  'code_verifier',
  '*.authorization',
  '*.client_secret',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.code_verifier',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
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
