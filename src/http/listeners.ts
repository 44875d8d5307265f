/** What this server listens on, and the one error of failing to. */

/** A listening socket of this server: the two public environments and the management (metrics) listener. */
export interface ListenerAddress {
  name: 'sandbox' | 'production' | 'metrics';
  /** The interface as configured (`127.0.0.1`, `0.0.0.0`, `::`). */
  host: string;
  port: number;
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no such address on this machine',
};

/** A listener that could not bind: names the listener, the address and why, in one line. */
export class ListenError extends Error {
  constructor(
    readonly listener: ListenerAddress,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException).code;
    const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
    super(`cannot listen on ${host}:${listener.port} (${listener.name}): ${REASONS[code ?? ''] ?? code ?? (cause as Error).message}`, { cause });
  }
}
