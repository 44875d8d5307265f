import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

describe('token endpoint › client_credentials happy path', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(() => t.close());

  it('RFC 6749 §4.4.3: issues a 42-character opaque Bearer token with scope and no refresh token', async () => {
    const c = await t.client({ scopes: ['webhooks'] });
    const res = await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials&scope=webhooks', {
      authorization: basic(c.id, c.secret),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9]{42}$/), token_type: 'Bearer', expires_in: 3600, scope: 'webhooks' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
  });
});
