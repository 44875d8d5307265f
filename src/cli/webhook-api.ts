import type { Command } from 'commander';
import { OAuthRequestError, type TokenClient } from '../sdk/index.js';
import { CliError } from './context.js';
import { addClientOptions, clientFromOptions, describeFailure, type ClientCommandOptions } from './token.js';

export interface WebhookApiOptions extends ClientCommandOptions {
  apiUrl?: string;
}

/** The client flags of `token`, and where the Webhook API is (by default the token URL's origin). */
export function addWebhookApiOptions(command: Command): Command {
  return addClientOptions(command).option('--api-url <url>', 'base URL of the Webhook API (default: the origin of --token-url)');
}

/** A Webhook API answer that is not 2xx, as one line: the API's code and description, and the status. */
export class WebhookApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    description: string,
  ) {
    super(description);
  }
}

/**
 * Calls to a mypos-auth server's Webhook API with a `webhooks` token from the client flags. `listen`, `trigger` and
 * `resend` are this server's extensions, which the myPOS hosts do not serve: so a --token-url is required.
 */
export class WebhookApi {
  private constructor(
    private readonly client: TokenClient,
    private readonly tokenUrl: string,
    readonly base: string,
  ) {}

  static async fromOptions(command: string, o: WebhookApiOptions): Promise<WebhookApi> {
    if (o.tokenUrl === undefined) {
      throw new CliError(`${command} works with a mypos-auth server (the myPOS hosts do not serve it): give --token-url, e.g. http://127.0.0.1:8080/oauth/token`);
    }
    const { client } = await clientFromOptions({ ...o, scope: 'webhooks' });
    let base: URL;
    try {
      base = new URL(o.apiUrl ?? new URL(o.tokenUrl).origin);
    } catch {
      throw new CliError('--api-url must be an absolute http(s) URL');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CliError('--api-url must be an absolute http(s) URL');
    return new WebhookApi(client, o.tokenUrl, base.toString().replace(/\/$/, ''));
  }

  /** Sends one request; JSON in and out. Resolves with the status and parsed body (null when empty). */
  async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; body: any }> {
    const url = `${this.base}/v1${path}`;
    let res: Response;
    try {
      res = await this.client.fetch(url, {
        method,
        ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      if (err instanceof OAuthRequestError) throw describeFailure('token request', err, this.tokenUrl);
      const code = (err as { cause?: { code?: string } }).cause?.code;
      throw new CliError(`${method} ${url} failed: could not reach ${new URL(url).host}${code ? ` (${code})` : ''}`);
    }
    const text = await res.text();
    let parsed: any = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (res.status >= 400) {
      const code = typeof parsed?.error === 'string' ? parsed.error : undefined;
      const what = code ? `${code}${typeof parsed.error_description === 'string' ? `: ${parsed.error_description}` : ''}` : 'unexpected answer';
      throw new WebhookApiError(res.status, code, `${method} ${url} failed: ${what} (HTTP ${res.status})`);
    }
    return { status: res.status, body: parsed };
  }
}
