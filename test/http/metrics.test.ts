import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

describe('metrics: request latency by route pattern', () => {
  let t: TestServer;
  let creds: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer();
    creds = await t.client();
  });
  afterAll(() => t.close());

  const count = (text: string, labels: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`mypos_auth_http_request_duration_seconds_count{${labels}}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };
  const metrics = async () => (await t.server.metrics.render()).body;

  it('counts each request once under its route pattern, method and status class', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(creds.id, creds.secret) });
      expect(res.statusCode).toBe(200);
    }
    await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(creds.id, 'wrong') });
    const text = await metrics();
    expect(count(text, 'route="/oauth/token",method="POST",status="2xx",environment="sandbox"')).toBe(3);
    expect(count(text, 'route="/oauth/token",method="POST",status="4xx",environment="sandbox"')).toBe(1);
  });

  it('labels a parameterised route by its pattern and an unknown path as unmatched, never by the raw URL', async () => {
    await t.app().inject({ method: 'GET', url: '/account/credentials/SECRETISH0123456789abcdef' });
    await t.app().inject({ method: 'GET', url: '/no/such/path?token=abc' });
    const text = await metrics();
    expect(count(text, 'route="/account/credentials/:id",method="GET",status="3xx",environment="sandbox"')).toBe(1);
    expect(count(text, 'route="unmatched",method="GET",status="4xx",environment="sandbox"')).toBe(1);
    expect(text).not.toContain('SECRETISH');
    expect(text).not.toContain('/no/such/path');
    expect(text).not.toContain('token=abc');
  });
});
