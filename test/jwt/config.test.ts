import { describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError, DEFAULT_CONFIG, resolveConfig } from '../../src/config.js';

describe('config › access token format and key schedule', () => {
  it('opaque tokens are the default in both environments', () => {
    expect(DEFAULT_CONFIG.accessTokenFormat).toEqual({ sandbox: 'opaque', production: 'opaque' });
  });

  it.each([
    ['a missing environment', { accessTokenFormat: { sandbox: 'jwt' } }, /accessTokenFormat must be/],
    ['an unknown format', { accessTokenFormat: { sandbox: 'jwe', production: 'opaque' } }, /accessTokenFormat must be/],
    ['an extra key', { accessTokenFormat: { sandbox: 'jwt', production: 'jwt', staging: 'jwt' } }, /accessTokenFormat must be/],
    ['a string', { accessTokenFormat: 'jwt' }, /accessTokenFormat must be/],
    ['publish-ahead not shorter than the rotation', { signingKeyRotationSeconds: 100, signingKeyPublishAheadSeconds: 100 }, /signingKeyPublishAheadSeconds must be less/],
    ['a zero rotation period', { signingKeyRotationSeconds: 0 }, /signingKeyRotationSeconds must be a positive whole number/],
  ])('%s → a clear start-up error', (_name, partial, message) => {
    expect(() => resolveConfig(partial)).toThrow(ConfigError);
    expect(() => resolveConfig(partial)).toThrow(message);
  });

  it.each([
    ['jwt', { sandbox: 'jwt', production: 'jwt' }],
    ['opaque', { sandbox: 'opaque', production: 'opaque' }],
    ['sandbox=jwt', { sandbox: 'jwt', production: 'opaque' }],
    ['sandbox=jwt, production=jwt', { sandbox: 'jwt', production: 'jwt' }],
  ])('MYPOS_AUTH_ACCESS_TOKEN_FORMAT=%s', (value, expected) => {
    const fromEnv = configFromEnv({ MYPOS_AUTH_ACCESS_TOKEN_FORMAT: value });
    expect(resolveConfig(fromEnv).accessTokenFormat).toEqual(expected);
  });

  it('MYPOS_AUTH_ACCESS_TOKEN_FORMAT=staging=jwt fails at start', () => {
    expect(() => resolveConfig(configFromEnv({ MYPOS_AUTH_ACCESS_TOKEN_FORMAT: 'staging=jwt' }))).toThrow(/accessTokenFormat must be/);
  });
});
