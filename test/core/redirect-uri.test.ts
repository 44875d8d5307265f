import { describe, expect, it } from 'vitest';
import { redirectUriRegistered, validateRedirectUri } from '../../src/core/redirect-uri.js';

/** Registration rules for redirect URIs: RFC 6749 §3.1.2, RFC 8252 §7.3, RFC 9700 §2.1. */
describe('core/redirect-uri › what may be registered', () => {
  it.each([
    ['https://app.example/cb'],
    ['https://app.example/cb?x=1'],
    ['http://127.0.0.1:8765/cb'],
    ['http://[::1]:8765/cb'],
    ['http://localhost:8765/cb'],
    ['https://app.example/' + 'a'.repeat(2000 - 'https://app.example/'.length)],
  ])('%s is accepted', (uri) => {
    expect(validateRedirectUri(uri)).toBeUndefined();
  });

  it.each([
    ['over 2000 characters', 'https://app.example/' + 'a'.repeat(2001 - 'https://app.example/'.length), 'at most 2000 characters'],
    ['a space', 'https://app.example/c b', 'spaces or control characters'],
    ['a tab', 'https://app.example/c\tb', 'spaces or control characters'],
    ['a newline', 'https://app.example/cb\n', 'spaces or control characters'],
    ['a NUL', 'https://app.example/c\u0000b', 'spaces or control characters'],
    ['DEL', 'https://app.example/c\u007fb', 'spaces or control characters'],
    ['a relative reference', '/cb', 'is not an absolute URL'],
    ['RFC 6749 §3.1.2: a fragment', 'https://app.example/cb#frag', 'fragment'],
    ['RFC 6749 §3.1.2: an empty fragment', 'https://app.example/cb#', 'fragment'],
    ['userinfo', 'https://user@app.example/cb', 'credentials'],
    ['userinfo with a password', 'https://user:pw@app.example/cb', 'credentials'],
    ['http to a public host', 'http://app.example/cb', 'must use https'],
    ['http to 0.0.0.0 (not loopback)', 'http://0.0.0.0:8765/cb', 'must use https'],
    ['http to a private address', 'http://192.168.1.2/cb', 'must use https'],
    ['http to a name ending in localhost', 'http://localhost.evil.example/cb', 'must use https'],
    ['another scheme on a loopback host', 'ftp://127.0.0.1/cb', 'must use https'],
    ['a custom scheme', 'com.example.app:/cb', 'must use https'],
    ['javascript:', 'javascript:alert(1)', 'must use https'],
  ])('%s is refused', (_name, uri, message) => {
    expect(validateRedirectUri(uri)).toContain(message);
  });
});

describe('core/redirect-uri › matching is exact (RFC 9700 §4.1.3)', () => {
  const registered = ['https://app.example/cb', 'http://127.0.0.1:8765/cb'];
  it.each([
    ['https://app.example/cb', true],
    ['https://app.example/cb/', false],
    ['https://APP.example/cb', false],
    ['https://app.example:443/cb', false],
    ['https://app.example/cb?x=1', false],
    ['https://app.example/cb/../cb', false],
    ['http://127.0.0.1:8765/cb', true],
    ['http://127.0.0.1:8766/cb', false],
  ])('%s → %s', (presented, expected) => {
    expect(redirectUriRegistered(registered, presented)).toBe(expected);
  });
});
