import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, NotFoundError } from '../core/api-error.js';
import {
  InvalidRequestError,
  PayloadTooLargeError,
  ServerError,
  TemporarilyUnavailableError,
} from '../core/errors.js';
import { isStorageUnavailable } from '../storage/unavailable.js';
import { lingerAfterReply } from './lingering-close.js';
import { isOAuthPath, setNoStore } from './oauth-headers.js';

/**
 * The one place errors become responses. Endpoints throw; this renders RFC 6749 §5.2 JSON (the Webhook API
 * shares the shape). Framework errors
 * (body too large, bad media type, timeouts) map onto OAuth codes; storage outages onto 503 with
 * Retry-After; anything unexpected onto a bare server_error, logged with its stack but never shown.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    // The client went away mid-request: Node reports it as ECONNRESET, which would otherwise read as a
    // storage outage and page whoever watches those. Nobody is left to answer.
    if (isClientAbort(err, request)) {
      request.log.info({ err: { message: err.message, code: err.code } }, 'client aborted request');
      return sendApiError(request, reply, new InvalidRequestError('Request aborted'));
    }
    const apiError = toApiError(err);
    if (apiError instanceof ServerError) request.log.error({ err }, 'unexpected error');
    else if (apiError instanceof TemporarilyUnavailableError && apiError.status === 503) request.log.warn({ err: { message: err.message, code: err.code } }, 'storage unavailable');
    // The rest of a refused body is still arriving: close in stages, so the client reads the 413.
    if (apiError instanceof PayloadTooLargeError && !request.raw.complete) lingerAfterReply(request.raw.socket);
    sendApiError(request, reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => sendApiError(request, reply, new NotFoundError()));
}

/** Node's IncomingMessage fails with `aborted` (ECONNRESET) when the client closes before the body is complete. */
function isClientAbort(err: FastifyError, request: FastifyRequest): boolean {
  return err.code === 'ECONNRESET' && err.message === 'aborted' && !request.raw.complete;
}

function sendApiError(request: FastifyRequest, reply: FastifyReply, err: ApiError): void {
  if (isOAuthPath(request.url)) setNoStore(reply);
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  reply.code(err.status).type('application/json').send(err.body());
}

/** Any thrown error as the ApiError it answers with: framework and storage failures mapped, the unexpected as server_error. */
export function toApiError(err: FastifyError | Error): ApiError {
  if (err instanceof ApiError) return err;
  if (isStorageUnavailable(err)) return new TemporarilyUnavailableError(5);
  const f = err as FastifyError;
  if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || f.statusCode === 413) return new PayloadTooLargeError();
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    // Malformed media type, empty JSON body, bad content-length, …: the request is at fault.
    return new InvalidRequestError('Malformed request');
  }
  return new ServerError();
}
