import type { Socket } from 'node:net';

/** How long a connection goes on being read (and discarded) after its 413, at most. */
const LINGER_MS = 2000;

/**
 * A staged close for a connection whose request body was refused part-way (413): RFC 9112 §9.6.
 *
 * Node's server closes such a connection as soon as the reply is written. The rest of the body is still on
 * its way, and a kernel that receives data on a closed socket answers with a reset, which can reach the
 * client before it has read the reply: a client still writing (fetch with a streamed body, a raw socket)
 * then sees EPIPE or ECONNRESET instead of the 413. So, as RFC 9112 §9.6 describes and nginx's lingering_close does, we half-close
 * (the reply, then our FIN), go on reading what arrives and drop it, and close fully when the client closes
 * its side or `lingerMs` has passed. Nothing is buffered: the parser hands the bytes to a request that is
 * already dumped, so "reading stops at the cap" still holds for memory; the time bounds the rest.
 *
 * Node's server ends a `Connection: close` exchange by calling `socket.destroySoon()` (lib/_http_server.js,
 * resOnFinish); this socket's own method is replaced, nobody else's.
 */
export function lingerAfterReply(socket: Socket, lingerMs = LINGER_MS): void {
  if (socket.destroyed) return;
  socket.destroySoon = function lingeringClose(this: Socket): void {
    this.end();
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(timer));
  };
}
