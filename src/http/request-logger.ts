import type { FastifyBaseLogger } from 'fastify';

/** Whether `logger` would write a line at `level`: a caller can skip building a line that would be dropped. */
export function isEnabled(logger: FastifyBaseLogger, level: string): boolean {
  const check = (logger as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled;
  // Loggers without isLevelEnabled (not pino) are asked every time.
  return check ? check.call(logger, level) : true;
}
