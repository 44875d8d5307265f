import { OAuthRequestError } from './errors.js';

/** Bounded retries of transient failures. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3, so at most 4 requests). 0 disables retrying. */
  retries?: number;
  /** First backoff delay, ms; doubles per retry, with jitter (default 250). */
  baseDelayMs?: number;
  /**
   * Longest wait before a retry, ms (default 20 000). A `Retry-After` asking for longer is honoured by not retrying:
   * the error is raised at once, carrying `retryAfter`, rather than retrying earlier than the server asked.
   */
  maxDelayMs?: number;
}

/** What the SDK needs from its surroundings; every part is injectable for tests and other runtimes. */
export interface Transport {
  fetch: typeof globalThis.fetch;
  sleep: (ms: number) => Promise<void>;
  /** Wall-clock Unix seconds (for HTTP-date `Retry-After` values). */
  now: () => number;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  random: () => number;
}

/**
 * Which failures may be retried.
 * - `idempotent`: network errors, 408, 429 and every 5xx. Right for client_credentials, revocation (RFC 7009 is
 *   idempotent) and introspection.
 * - `unconsumed`: only 429 and 503, the answers by which the server says it did nothing. A code or refresh token
 *   is single-use, so after a lost response a blind retry would be a replay that revokes the grant
 *   (RFC 9700 §4.14.2); such failures surface instead.
 */
export type RetryPolicy = 'idempotent' | 'unconsumed';

export interface FormResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export const DEFAULT_RETRY: Required<RetryOptions> = Object.freeze({ retries: 3, baseDelayMs: 250, maxDelayMs: 20_000 });

/** One attempt's form and headers. */
interface FormRequest {
  form: URLSearchParams;
  headers: Record<string, string>;
}

/**
 * POSTs an application/x-www-form-urlencoded body (RFC 6749 App. B), retrying transient failures per `policy`.
 * `prepare` runs before every attempt: a client assertion or DPoP proof is single use (RFC 7523 §3 item 7,
 * RFC 9449 §11.1), so a retry carries a fresh one.
 */
export async function postForm(transport: Transport, url: string, prepare: () => Promise<FormRequest>, policy: RetryPolicy): Promise<FormResponse> {
  const { retry } = transport;
  for (let attempt = 0; ; attempt++) {
    const { form, headers } = await prepare();
    let response: Response;
    try {
      response = await transport.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
        body: form.toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(transport.timeoutMs),
      });
    } catch (cause) {
      if (policy === 'idempotent' && attempt < retry.retries) {
        await transport.sleep(backoff(transport, attempt));
        continue;
      }
      throw new OAuthRequestError('ERR_OAUTH_NETWORK', { error: 'network_error', error_description: networkReason(cause), status: 0 }, { cause });
    }
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), transport.now());
    if (isRetryable(response.status, policy) && attempt < retry.retries) {
      const delay = retryAfter !== undefined ? retryAfter * 1000 : backoff(transport, attempt);
      if (delay <= retry.maxDelayMs) {
        await response.body?.cancel().catch(() => {});
        await transport.sleep(delay);
        continue;
      }
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: parseJson(text) };
  }
}

function isRetryable(status: number, policy: RetryPolicy): boolean {
  if (policy === 'unconsumed') return status === 429 || status === 503;
  return status === 408 || status === 429 || status >= 500;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so many clients do not retry in lockstep. */
function backoff(transport: Transport, attempt: number): number {
  const ceiling = Math.min(transport.retry.maxDelayMs, transport.retry.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * transport.random());
}

/**
 * `Retry-After` as seconds from now: delta-seconds or an HTTP-date.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(value: string | null, nowSeconds: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  // IMF-fixdate only (§5.6.7): Date.parse alone would read "-5" or "1.5" as dates.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v)) return undefined;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil(date / 1000 - nowSeconds));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function networkReason(cause: unknown): string {
  const e = cause as { name?: string; cause?: { code?: unknown; message?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'The request timed out';
  // The transport's reason (ECONNREFUSED, ENOTFOUND, "bad port"): it names hosts, never credentials.
  const why = e?.cause?.code ?? e?.cause?.message;
  return typeof why === 'string' && why !== '' && why.length < 200 ? `The request failed (${why})` : 'The request failed';
}

/** Turns a non-2xx answer into an OAuthRequestError: the RFC 6749 §5.2 fields when present, else the bare status. */
export function errorFromResponse(response: FormResponse, nowSeconds: number): OAuthRequestError {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), nowSeconds);
  const body = response.json as { error?: unknown; error_description?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.error === 'string' && body.error !== '') {
    return new OAuthRequestError('ERR_OAUTH_RESPONSE_ERROR', {
      error: body.error,
      error_description: typeof body.error_description === 'string' ? body.error_description : undefined,
      status: response.status,
      retryAfter,
    });
  }
  return new OAuthRequestError('ERR_OAUTH_UNEXPECTED_STATUS', { error: 'unexpected_status', status: response.status, retryAfter });
}
