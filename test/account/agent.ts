import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Response as InjectResponse } from 'light-my-request';

/**
 * A browser-like client over fastify.inject: keeps cookies, reads CSRF tokens out of pages, and sends
 * same-origin POSTs the way a browser does (Origin and Sec-Fetch-Site headers).
 */
export class AccountAgent {
  readonly cookies = new Map<string, string>();
  constructor(
    public app: FastifyInstance,
    readonly origin = 'http://sandbox.test',
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #keep(res: InjectResponse): InjectResponse {
    for (const c of res.cookies as Array<{ name: string; value: string; expires?: Date; maxAge?: number }>) {
      const gone = c.value === '' || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0;
      if (gone) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<InjectResponse> {
    const host = new URL(this.origin).host;
    return this.#keep(await this.app.inject({ method: 'GET', url, headers: { host, cookie: this.cookieHeader(), accept: 'text/html', ...headers } }));
  }

  /** A CSRF token as a page would carry it. */
  async csrf(): Promise<string> {
    const res = await this.get('/account/api/csrf', { accept: 'application/json' });
    return (res.json() as { csrf_token: string }).csrf_token;
  }

  /** POSTs a form like a browser: with the CSRF token (unless `csrf: false`) and same-origin fetch metadata. */
  async post(
    url: string,
    form: Record<string, string> = {},
    options: { csrf?: boolean | string; headers?: Record<string, string> } = {},
  ): Promise<InjectResponse> {
    const body = new URLSearchParams(form);
    if (options.csrf !== false) body.set('_csrf', typeof options.csrf === 'string' ? options.csrf : await this.csrf());
    // Each call is a fresh rendering of the form unless the caller repeats one on purpose.
    if (!body.has('_form')) body.set('_form', randomBytes(16).toString('base64url'));
    const host = new URL(this.origin).host;
    return this.#keep(
      await this.app.inject({
        method: 'POST',
        url,
        payload: body.toString(),
        headers: {
          host,
          cookie: this.cookieHeader(),
          'content-type': 'application/x-www-form-urlencoded',
          origin: this.origin,
          'sec-fetch-site': 'same-origin',
          accept: 'text/html',
          ...options.headers,
        },
      }),
    );
  }

  /** JSON API call with the X-CSRF-Token header. */
  async api(method: 'GET' | 'POST', url: string, body?: Record<string, unknown>, options: { csrf?: boolean } = {}): Promise<InjectResponse> {
    const host = new URL(this.origin).host;
    const headers: Record<string, string> = { host, cookie: this.cookieHeader(), accept: 'application/json' };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      if (options.csrf !== false) headers['x-csrf-token'] = await this.csrf();
      headers.cookie = this.cookieHeader();
    }
    const payload = body ? JSON.stringify(body) : method === 'POST' ? '{}' : undefined;
    return this.#keep(await this.app.inject({ method, url, headers, ...(payload ? { payload } : {}) }));
  }

  async signup(email: string, password = 'correct horse battery staple'): Promise<void> {
    const res = await this.post('/account/signup', { email, password });
    if (res.statusCode !== 303) throw new Error(`signup failed: ${res.statusCode} ${res.body.slice(0, 500)}`);
  }

  async login(email: string, password = 'correct horse battery staple'): Promise<InjectResponse> {
    return this.post('/account/login', { email, password });
  }

  /** Follows a 303 to the once-shown secret page, as a browser does; other answers are returned as they are. */
  async followSecret(res: InjectResponse): Promise<InjectResponse> {
    const location = res.headers.location;
    return res.statusCode === 303 && typeof location === 'string' && location.startsWith('/account/secrets/') ? this.get(location) : res;
  }

  /** Generates a credential through the page and reads the once-shown secret out of the page it redirects to. */
  async generate(environment: 'sandbox' | 'production', name = 'Shop', extra: Record<string, string> = {}): Promise<{ id: string; secret: string; res: InjectResponse }> {
    const res = await this.followSecret(await this.post(`/account/${environment}/credentials`, { name, scope_webhooks: '1', ...extra }));
    const id = /id="client-id">([A-Za-z0-9]{24})</.exec(res.body)?.[1];
    const secret = /id="client-secret" class="secret">([A-Za-z0-9]{48})</.exec(res.body)?.[1];
    if (!id || !secret) throw new Error(`generate failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return { id, secret, res };
  }
}
