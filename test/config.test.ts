import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, DEFAULT_CONFIG, resolveConfig } from '../src/config.js';

describe('config', () => {
  it('documented defaults: SQLite file, ports 8080/8081 on 127.0.0.1, 3600 s tokens, 64 KiB bodies', () => {
    const c = resolveConfig({});
    expect(c).toMatchObject({ db: 'sqlite:./data/mypos-auth.db', sandboxPort: 8080, productionPort: 8081, host: '127.0.0.1', accessTokenTtl: 3600, bodyLimit: 65536 });
  });
  it('login limits across processes default to 6 per account and 60 per IP per minute', () => {
    expect(resolveConfig({})).toMatchObject({ loginFailuresPerAccountPerMinute: 6, loginFailuresPerIpPerMinute: 60 });
  });
  it('unknown keys fail at start, naming each', () => {
    expect(() => resolveConfig({ sandboxPrt: 1, foo: 2 })).toThrow(/unknown option "sandboxPrt".*unknown option "foo"/);
  });
  it.each([
    [{ sandboxPort: 70000 }, /sandboxPort/],
    [{ accessTokenTtl: 0 }, /accessTokenTtl/],
    [{ serverKey: 'short' }, /serverKey/],
    [{ sandboxIssuer: 'ftp://x' }, /sandboxIssuer/],
    [{ logLevel: 'loud' }, /logLevel/],
    [{ sandboxPort: 9000, productionPort: 9000 }, /must differ/],
    [{ loginFailuresPerAccountPerMinute: 0 }, /loginFailuresPerAccountPerMinute must be a positive whole number/],
    [{ loginFailuresPerIpPerMinute: 1.5 }, /loginFailuresPerIpPerMinute must be a positive whole number/],
    [{ pushedAuthorizationRequestTtl: 0 }, /pushedAuthorizationRequestTtl must be 1-600 seconds/],
    [{ pushedAuthorizationRequestTtl: 601 }, /pushedAuthorizationRequestTtl must be 1-600 seconds/],
    [{ sandboxWebhookResource: 'https://api.example/#frag' }, /sandboxWebhookResource must be an http\(s\) URL without a fragment/],
    [{ productionWebhookResource: 'api.example' }, /productionWebhookResource must be an http\(s\) URL/],
    [{ sandboxResourceServers: 'https://a.example' }, /sandboxResourceServers must be a list/],
    [{ productionResourceServers: ['https://a.example', 'urn:x'] }, /productionResourceServers must be a list/],
  ])('rejects %j', (partial, message) => {
    expect(() => resolveConfig(partial)).toThrow(ConfigError);
    expect(() => resolveConfig(partial)).toThrow(message);
  });
  it('environment variables: DATABASE_URL, PORT (production = PORT + 1), MYPOS_AUTH_SERVER_KEY', () => {
    expect(configFromEnv({ DATABASE_URL: 'postgres://x/y', PORT: '9000', MYPOS_AUTH_SERVER_KEY: 'k' })).toEqual({
      db: 'postgres://x/y', sandboxPort: 9000, productionPort: 9001, serverKey: 'k',
    });
    expect(DEFAULT_CONFIG.demoClient).toBe(false);
  });
});
