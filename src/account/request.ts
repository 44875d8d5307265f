import type { FastifyReply, FastifyRequest } from 'fastify';
import { rejectDuplicates } from '../core/params.js';
import type { AppContext } from '../http/context.js';
import { bodyParams } from '../http/request-params.js';
import type { Environment } from '../storage/types.js';
import { InputError } from './errors.js';
import type { SafeHtml } from './html.js';
import { isSecureRequest } from './session.js';

/** The fields of a form or JSON body; a field sent twice is refused, as on the OAuth endpoints. */
export function fieldsOf(request: FastifyRequest): Record<string, unknown> {
  const params = bodyParams(request, ['form', 'json']);
  rejectDuplicates(params);
  return params.fields;
}

/** A string field ('' when absent); any other JSON type is an input error, never a crash. */
export function text(fields: Record<string, unknown>, name: string): string {
  const v = fields[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new InputError(`${name} must be a string`);
  return v;
}

/** The re-authentication fields of a form or JSON body: `password`, and `code` when two-factor sign-in is on. */
export function reauthFields(fields: Record<string, unknown>): { password: string; code: string } {
  return { password: text(fields, 'password'), code: text(fields, 'code') };
}

export function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page.value);
}

/** A CSRF token for the forms of this page (the secret cookie is set on first use). */
export function csrfToken(ctx: Pick<AppContext, 'issuer'>, request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ secure: isSecureRequest(ctx, request) } as never);
}

export function tokenUrl(ctx: Pick<AppContext, 'issuers'>, environment: Environment): string {
  return `${ctx.issuers()[environment].replace(/\/$/, '')}/oauth/token`;
}

export function isEnvironment(v: unknown): v is Environment {
  return v === 'sandbox' || v === 'production';
}
