import type { Command } from 'commander';
import { verifyWebhookSignature, WebhookSignatureError } from '@mypos-auth/client';
import { CliError } from './context.js';
import { WebhookApi, WebhookApiError, addWebhookApiOptions, type WebhookApiOptions } from './webhook-api.js';

interface ListenOptions extends WebhookApiOptions {
  forwardTo: string;
  events?: string;
}

interface Delivery {
  id: string;
  notification_id: string;
  headers: Record<string, string>;
  body: string;
}

/** How long the forwarding target has to answer; the server's delivery timeout bounds the whole round. */
const FORWARD_TIMEOUT_MS = 8000;

/**
 * `listen --forward-to URL`: a temporary sandbox listen session (a webhook whose target is a mailbox on the
 * server) with subscriptions to every event or to `--events`. Each delivery is taken by long polling (the server
 * never connects to this machine), checked with verifyWebhookSignature, POSTed with its own headers and body to
 * URL, and the target's answer is reported back, where it counts as the delivery attempt's outcome. Ctrl-C or
 * SIGTERM ends the session, which removes the webhook and its subscriptions.
 */
export function registerListen(program: Command): void {
  addWebhookApiOptions(
    program.command('listen').description('receive sandbox webhook deliveries on this machine and forward them to a local URL (a mypos-auth extension)'),
  )
    .requiredOption('--forward-to <url>', 'where each delivery is POSTed, e.g. http://127.0.0.1:4000/hook')
    .option('--events <names>', 'comma-separated event names or ids (default: every event)')
    .action(async (o: ListenOptions) => {
      const target = forwardUrl(o.forwardTo);
      const api = await WebhookApi.fromOptions('listen', o);
      // The receiver's own secret when it has one (env, never argv); else the server makes one, shown once below.
      const chosen = process.env.MYPOS_WEBHOOK_SECRET || undefined;
      const events = o.events?.split(',').map((e) => e.trim()).filter((e) => e !== '');
      const { body: session } = await api.request('POST', '/listen-sessions', {
        ...(events ? { events } : {}),
        ...(chosen ? { secret: chosen } : {}),
      });
      const secret: string = chosen ?? session.secret;

      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const names = (session.subscriptions as Array<{ event: string }>).map((s) => s.event);
      process.stderr.write(`Ready: listen session ${session.id} takes ${names.join(', ')}; forwarding to ${target}. Ctrl-C ends it.\n`);
      if (!chosen) process.stderr.write(`Webhook signing secret of this session (shown once; or set MYPOS_WEBHOOK_SECRET): ${secret}\n`);

      let failure: unknown;
      try {
        await pollLoop(api, session.id, target, secret, stop.signal);
      } catch (err) {
        failure = err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      try {
        await api.request('DELETE', `/listen-sessions/${session.id}`);
        process.stderr.write(`Ended listen session ${session.id}: its webhook and ${names.length} subscriptions are removed.\n`);
      } catch (err) {
        // Gone already (expired): nothing is left to remove.
        if (!(err instanceof WebhookApiError && err.status === 404)) failure ??= err;
      }
      if (failure) throw failure;
    });
}

async function pollLoop(api: WebhookApi, sessionId: string, target: string, secret: string, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    let answer;
    try {
      answer = await api.request('GET', `/listen-sessions/${sessionId}/deliveries/next?wait=25`, undefined, signal);
      failures = 0;
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof WebhookApiError && err.status === 404) throw new CliError(`listen session ${sessionId} ended on the server (expired or deleted)`);
      // A server restarting or a network blip: try again a few times before giving up.
      if (++failures > 5) throw err;
      process.stderr.write(`mypos-auth: ${(err as Error).message}; retrying\n`);
      await new Promise((r) => setTimeout(r, 1000 * failures));
      continue;
    }
    if (answer.status === 204 || !answer.body) continue;
    const d = answer.body as Delivery;
    const verdict = verify(d, secret);
    const result = await forward(target, d);
    const shown = result.status !== null ? String(result.status) : `no answer (${result.error})`;
    process.stdout.write(`${timestamp()}  ${d.headers['x-mypos-event']}  ${d.notification_id}  → ${shown}  ${verdict}\n`);
    try {
      await api.request('POST', `/listen-sessions/${sessionId}/deliveries/${d.id}`, result.status !== null ? { status: result.status } : { error: result.error });
    } catch (err) {
      // Too late (the server's delivery timeout passed): the attempt counts as failed and is retried.
      if (!(err instanceof WebhookApiError && err.status === 404)) throw err;
    }
  }
}

function verify(d: Delivery, secret: string): string {
  try {
    const { version } = verifyWebhookSignature(d.body, d.headers['x-mypos-signature'], secret);
    return `signature verified (${version})`;
  } catch (err) {
    if (err instanceof WebhookSignatureError) return `SIGNATURE NOT VERIFIED (${err.code})`;
    throw err;
  }
}

/** POSTs the delivery as the server would have: its headers, its exact body, no redirects followed. */
async function forward(target: string, d: Delivery): Promise<{ status: number | null; error: string | null }> {
  try {
    const res = await fetch(target, { method: 'POST', headers: d.headers, body: d.body, redirect: 'manual', signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
    await res.body?.cancel().catch(() => {});
    return { status: res.status, error: null };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError') return { status: null, error: 'timeout' };
    return { status: null, error: e.cause?.code === 'ECONNREFUSED' ? 'connection refused' : `network error${e.cause?.code ? ` (${e.cause.code})` : ''}` };
  }
}

function forwardUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError('--forward-to must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError('--forward-to must be an absolute http(s) URL');
  return url.toString();
}

/** `2026-12-03 10:00:00`, UTC. */
const timestamp = () => new Date().toISOString().slice(0, 19).replace('T', ' ');
