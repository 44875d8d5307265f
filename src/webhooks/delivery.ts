import type { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { checkPayloadUrl, guardedLookup, portOf, type TargetPolicy } from './target-policy.js';

/** One POST of one notification. */
export interface DeliveryRequest {
  url: string;
  webhookId: string;
  event: string;
  body: string;
  signature: string;
  deliveryId: string;
}

/** What the receiver said: `ok` only for a 2xx. `status` is null when no HTTP answer came (refused, timeout). */
export interface DeliveryOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export type Deliverer = (request: DeliveryRequest, policy: TargetPolicy, signal: AbortSignal) => Promise<DeliveryOutcome>;

export const USER_AGENT = 'mypos-auth-webhooks/1';

/** The headers of a delivery, the same whether it is POSTed to a URL or handed to a listen session. */
export function deliveryHeaders(request: DeliveryRequest, userAgent = USER_AGENT): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'x-mypos-event': request.event,
    'x-mypos-signature': request.signature,
    'x-mypos-delivery': request.deliveryId,
  };
}

/**
 * Delivers over Node's http/https with the SSRF guard on the connection itself: the URL is checked again,
 * names are resolved by `guardedLookup` and the socket connects to the checked address. Redirects are not
 * followed (a 3xx is a failure, as myPOS documents). TLS certificates are verified. The whole exchange,
 * from connecting to the response status, is bounded by `timeoutMs`; the response body is discarded.
 */
export function httpDeliverer(options: { timeoutMs: number; userAgent?: string; resolve?: typeof dnsLookup }): Deliverer {
  return (request, policy, signal) =>
    new Promise<DeliveryOutcome>((resolve) => {
      const checked = checkPayloadUrl(request.url, policy);
      if ('problem' in checked) return resolve({ ok: false, status: null, error: `refused URL: ${checked.problem}` });
      // An IP-literal host was checked just now (Node skips lookup for it); a name is checked by guardedLookup.
      const url = checked.url;
      let settled = false;
      const finish = (outcome: DeliveryOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const transport = url.protocol === 'https:' ? https : http;
      const req = transport.request(url, {
        method: 'POST',
        agent: false,
        lookup: policy.allowAny ? undefined : guardedLookup(policy, portOf(url), options.resolve),
        signal,
        headers: { ...deliveryHeaders(request, options.userAgent), 'content-length': Buffer.byteLength(request.body) },
      });
      const timer = setTimeout(() => {
        finish({ ok: false, status: null, error: 'timeout' });
        req.destroy();
      }, options.timeoutMs);
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        finish({ ok: status >= 200 && status < 300, status, error: status >= 300 && status < 400 ? 'redirect not followed' : null });
        // The body is not needed; drop the connection rather than read a large or slow one.
        res.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, status: null, error: describe(err, signal) }));
      req.end(request.body);
    });
}

function describe(err: NodeJS.ErrnoException, signal: AbortSignal): string {
  if (signal.aborted) return 'aborted';
  if (err.code === 'EREFUSEDADDRESS') return 'refused address';
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ENOTFOUND') return 'host not found';
  if (err.code && /^(CERT_|ERR_TLS|DEPTH_|UNABLE_TO|SELF_SIGNED)/.test(err.code)) return 'TLS certificate not accepted';
  return err.code ? `network error (${err.code})` : 'network error';
}
