import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.js';
import type { SecretRevealKind } from '../storage/types.js';
import { NotSignedInError } from './errors.js';
import { sessionIdOf } from './session.js';

type RevealDeps = Pick<AppContext, 'store' | 'hasher' | 'clock' | 'issuer'>;

/** How long a new secret waits server-side to be shown, seconds: the redirect that follows needs a moment. */
const REVEAL_TTL = 5 * 60;
// Hex, not base64url: a 43-character base64url reference often holds a 42-alphanumeric run, which is what a
// token looks like to anyone reading the access log (the path is logged).
const REF = /^[0-9a-f]{64}$/;

/**
 * A new secret (generate, rotate; new recovery codes) reaches the browser through a redirect to a one-time reference,
 * `/account/secrets/<ref>`, never in the response to the POST, so a reload cannot repeat the action. Until
 * that page is shown the secret is kept in the store, AES-256-GCM sealed under a key built from the server
 * key, the session id and the reference: the store holds only hashes of the latter two, so a copy of the
 * database (or of the page's URL) opens nothing. Showing it erases it; after five minutes it is purged.
 */
export async function stashSecret(
  ctx: RevealDeps,
  request: FastifyRequest,
  reveal: { clientId: string; kind: SecretRevealKind; secret: string },
): Promise<string> {
  const sessionId = sessionIdOf(ctx, request);
  if (!sessionId) throw new NotSignedInError();
  const ref = randomBytes(32).toString('hex');
  const now = ctx.clock.now();
  await ctx.store.secretReveals.create({
    refHash: ctx.hasher.hash('secret_reveal', ref),
    sessionHash: ctx.hasher.hash('session', sessionId),
    clientId: reveal.clientId,
    kind: reveal.kind,
    sealed: seal(revealKey(ctx, sessionId, ref), reveal.secret, reveal.clientId),
    createdAt: now,
    expiresAt: now + REVEAL_TTL,
  });
  return `/account/secrets/${ref}`;
}

type TakenSecret =
  | { status: 'shown'; clientId: string; kind: SecretRevealKind; secret: string }
  | { status: 'already_shown'; clientId: string; kind: SecretRevealKind }
  | { status: 'unknown' };

/** The secret behind `ref` the first time this session asks; afterwards only that it was shown. */
export async function takeSecret(ctx: RevealDeps, request: FastifyRequest, ref: string): Promise<TakenSecret> {
  const sessionId = sessionIdOf(ctx, request);
  if (!sessionId || !REF.test(ref)) return { status: 'unknown' };
  const taken = await ctx.store.secretReveals.take(ctx.hasher.hash('secret_reveal', ref), ctx.hasher.hash('session', sessionId), ctx.clock.now());
  if (taken.status !== 'shown') return taken;
  return { status: 'shown', clientId: taken.clientId, kind: taken.kind, secret: open(revealKey(ctx, sessionId, ref), taken.sealed, taken.clientId) };
}

function revealKey(ctx: RevealDeps, sessionId: string, ref: string): Buffer {
  return createHmac('sha256', ctx.hasher.deriveKey('web account secret reveal')).update(`${sessionId}\0${ref}`).digest();
}

/** AES-256-GCM, `<iv>.<tag>.<ciphertext>` in base64url; the client id is the additional data. */
function seal(key: Buffer, plaintext: string, clientId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(clientId));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64url')).join('.');
}

function open(key: Buffer, sealed: string, clientId: string): string {
  const [iv = '', tag = '', ct = ''] = sealed.split('.');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(clientId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}
