import { randomBytes } from 'node:crypto';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.js';
import type { MerchantRecord, SessionRecord } from '../storage/types.js';

/** Absolute session lifetime (ASVS 7.3.2) and idle timeout (7.3.1), seconds. */
const SESSION_LIFETIME = 12 * 3600;
const SESSION_IDLE = 2 * 3600;
/** How recent the password must be for sensitive production actions (ASVS 7.5.1). */
const REAUTH_WINDOW = 5 * 60;
/** How long a session that passed the password may wait for its second step (two-factor sign-in), seconds. */
const SECOND_STEP_LIFETIME = 5 * 60;
const TOUCH_EVERY = 60;

export interface MerchantSession {
  merchant: MerchantRecord;
  session: SessionRecord;
}

type SessionDeps = Pick<AppContext, 'store' | 'hasher' | 'clock' | 'issuer'>;

/** HTTPS (directly, through a trusted proxy, or as the configured public issuer) → Secure, `__Host-` cookies. */
export function isSecureRequest(ctx: Pick<AppContext, 'issuer'>, request: FastifyRequest): boolean {
  return request.protocol === 'https' || ctx.issuer().startsWith('https:');
}

function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-mypos_session' : 'mypos_session';
}

const cache = new WeakMap<FastifyRequest, Promise<MerchantSession | undefined>>();

/**
 * The merchant signed in on this request, or undefined. Reusable by any route (the consent page of
 * `/oauth/authorize` too): it reads the session cookie, looks up the keyed hash of its id, and checks the
 * absolute and idle expiry. Looked up once per request. A session still waiting for its second step
 * (two-factor sign-in) signs in nobody.
 */
export async function currentMerchant(ctx: SessionDeps, request: FastifyRequest): Promise<MerchantSession | undefined> {
  const found = await anySession(ctx, request);
  return found && !found.session.secondFactorPending ? found : undefined;
}

/** The session of this request that has passed the password and waits for its second step, or undefined. */
export async function pendingSecondStep(ctx: SessionDeps, request: FastifyRequest): Promise<MerchantSession | undefined> {
  const found = await anySession(ctx, request);
  return found?.session.secondFactorPending ? found : undefined;
}

function anySession(ctx: SessionDeps, request: FastifyRequest): Promise<MerchantSession | undefined> {
  let found = cache.get(request);
  if (!found) {
    found = lookup(ctx, request);
    cache.set(request, found);
  }
  return found;
}

/**
 * The session id the browser sent (its cookie), well-formed or undefined; not checked against the store.
 * Only the browser holds it: the store keeps its keyed hash.
 */
export function sessionIdOf(ctx: Pick<AppContext, 'issuer'>, request: FastifyRequest): string | undefined {
  // Outside a scope with @fastify/cookie (e.g. another route group), read the header directly.
  const cookies = (request.cookies as Record<string, string | undefined> | undefined) ?? fastifyCookie.parse(request.headers.cookie ?? '');
  const id = cookies[sessionCookieName(isSecureRequest(ctx, request))];
  return id && /^[A-Za-z0-9_-]{43}$/.test(id) ? id : undefined;
}

async function lookup(ctx: SessionDeps, request: FastifyRequest): Promise<MerchantSession | undefined> {
  const id = sessionIdOf(ctx, request);
  if (!id) return undefined;
  const idHash = ctx.hasher.hash('session', id);
  const session = await ctx.store.sessions.find(idHash);
  if (!session) return undefined;
  const now = ctx.clock.now();
  if (session.expiresAt <= now || session.lastSeenAt + SESSION_IDLE <= now) {
    await ctx.store.sessions.delete(idHash);
    return undefined;
  }
  const merchant = await ctx.store.merchants.find(session.merchantId);
  if (!merchant) return undefined;
  if (now - session.lastSeenAt >= TOUCH_EVERY) {
    await ctx.store.sessions.touch(idHash, now);
    session.lastSeenAt = now;
  }
  return { merchant, session };
}

/**
 * Starts a fresh session (a new 256-bit id at every login, ASVS 7.2.4) and sets its cookie: HttpOnly,
 * SameSite=Lax, Path=/, and Secure with the `__Host-` prefix over HTTPS. With `secondStep`, the session
 * only waits a few minutes for the second step of a two-factor sign-in and signs in nobody until it passes.
 */
export async function startSession(
  ctx: SessionDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  merchant: MerchantRecord,
  options: { secondStep?: boolean } = {},
): Promise<void> {
  const id = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const secondStep = options.secondStep ?? false;
  await ctx.store.sessions.create({
    idHash: ctx.hasher.hash('session', id),
    merchantId: merchant.id,
    createdAt: now,
    authenticatedAt: now,
    lastSeenAt: now,
    expiresAt: now + (secondStep ? SECOND_STEP_LIFETIME : SESSION_LIFETIME),
    ip: request.ip,
    userAgent: (request.headers['user-agent'] ?? '').slice(0, 200) || null,
    secondFactorPending: secondStep,
  });
  // A session cookie (no Max-Age): it also ends when the browser closes; the server enforces the lifetime.
  const secure = isSecureRequest(ctx, request);
  reply.setCookie(sessionCookieName(secure), id, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  cache.set(request, Promise.resolve(undefined));
}

/**
 * The second step passed: the waiting session becomes a signed-in one, with the full lifetime. Its id was
 * minted by this sign-in's password step and has opened nothing else, so it is kept (a repeat of the same
 * form then finds the browser signed in). False when it was not waiting any more.
 */
export async function completeSecondStep(ctx: SessionDeps, request: FastifyRequest, pending: MerchantSession): Promise<boolean> {
  const now = ctx.clock.now();
  if (!(await ctx.store.sessions.completeSecondFactor(pending.session.idHash, now, now + SESSION_LIFETIME))) return false;
  const session = { ...pending.session, secondFactorPending: false, authenticatedAt: now, lastSeenAt: now, expiresAt: now + SESSION_LIFETIME };
  cache.set(request, Promise.resolve({ merchant: pending.merchant, session }));
  return true;
}

/** Ends the request's session (signed in, or waiting for its second step) in the database and clears its cookie. */
export async function endSession(ctx: SessionDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const current = await anySession(ctx, request);
  if (current) await ctx.store.sessions.delete(current.session.idHash);
  const secure = isSecureRequest(ctx, request);
  reply.clearCookie(sessionCookieName(secure), { path: '/', httpOnly: true, sameSite: 'lax', secure });
  cache.set(request, Promise.resolve(undefined));
}

/** True when the password was entered in this session within REAUTH_WINDOW. */
export function recentlyAuthenticated(ctx: Pick<AppContext, 'clock'>, session: SessionRecord): boolean {
  return ctx.clock.now() - session.authenticatedAt < REAUTH_WINDOW;
}
