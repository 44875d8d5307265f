import { describe, expect, it } from 'vitest';
import { parseClientAuth } from '../../src/core/client-auth-parser.js';
import { InvalidClientError, InvalidRequestError } from '../../src/core/errors.js';

const b = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');

describe('parseClientAuth', () => {
  it.each([
    ['colon separator (RFC 7617)', b('id1:secret'), { clientId: 'id1', clientSecret: 'secret', method: 'client_secret_basic' }],
    ['semicolon separator (myPOS legacy text)', b('id1;secret'), { clientId: 'id1', clientSecret: 'secret', method: 'client_secret_basic' }],
    ['split at the first separator, colon first', b('id1:a;b:c'), { clientId: 'id1', clientSecret: 'a;b:c', method: 'client_secret_basic' }],
    ['split at the first separator, semicolon first', b('id1;a:b'), { clientId: 'id1', clientSecret: 'a:b', method: 'client_secret_basic' }],
    ['RFC 6749 App. B: halves are form-decoded', b('id%201:p%2Bq+r'), { clientId: 'id 1', clientSecret: 'p+q r', method: 'client_secret_basic' }],
    ['padding optional', 'Basic ' + Buffer.from('ab:c').toString('base64').replace(/=+$/, ''), { clientId: 'ab', clientSecret: 'c', method: 'client_secret_basic' }],
  ])('accepts %s', (_name, header, expected) => {
    expect(parseClientAuth(header, {})).toEqual(expected);
  });

  it.each([
    ['non-base64 characters', 'Basic Zm9v!', InvalidRequestError],
    ['no separator', b('foo'), InvalidRequestError],
    ['empty value', 'Basic', InvalidRequestError],
    ['only spaces', 'Basic    ', InvalidRequestError],
    ['base64 with inner space', 'Basic Zm9v OmJh', InvalidRequestError],
    ['empty id', b(':secret'), InvalidClientError],
    ['empty secret', b('id:'), InvalidClientError],
    ['other scheme', 'Digest abc', InvalidClientError],
  ])('rejects %s', (_name, header, errorClass) => {
    expect(() => parseClientAuth(header, {})).toThrow(errorClass);
  });

  it.each([
    ['non-base64 characters', 'Basic Zm9v!'],
    ['no separator', b('foo')],
    ['not UTF-8', 'Basic ' + Buffer.from([0x66, 0xff, 0x3a, 0x73]).toString('base64')],
  ])('RFC 6749 §5.2: a malformed Basic value (%s) tells the client what is wrong', (_name, header) => {
    expect(() => parseClientAuth(header, {})).toThrow('Malformed Basic credentials');
  });

  it('RFC 6749 §2.3: header and body secret together → invalid_request', () => {
    expect(() => parseClientAuth(b('id:s'), { client_secret: 's' })).toThrow(InvalidRequestError);
  });

  it('body credentials → client_secret_post; body id alone → public client (method none)', () => {
    expect(parseClientAuth(undefined, { client_id: 'id', client_secret: 's' })).toEqual({ clientId: 'id', clientSecret: 's', method: 'client_secret_post' });
    expect(parseClientAuth(undefined, { client_id: 'id' })).toEqual({ clientId: 'id', method: 'none' });
  });

  it('the Basic challenge is advertised unless the client used client_secret_post', () => {
    const challenge = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as InvalidClientError).headers['WWW-Authenticate'];
      }
    };
    expect(challenge(() => parseClientAuth(undefined, {}))).toBe('Basic realm="oauth"');
    expect(challenge(() => parseClientAuth(undefined, { client_id: 'x', client_secret: '' }))).toBeUndefined();
  });
});

describe('parseClientAuth › edges of the Basic value (RFC 7617, RFC 6749 Appendix B)', () => {
  const raw = (bytes: number[]) => 'Basic ' + Buffer.from(bytes).toString('base64');

  it.each([
    ['"+" alone decodes to a space in both halves', b('a+b:c+d'), { clientId: 'a b', clientSecret: 'c d' }],
    ['the scheme in lower case', 'basic ' + Buffer.from('id:s').toString('base64'), { clientId: 'id', clientSecret: 's' }],
    ['spaces after the value', b('id:s') + '   ', { clientId: 'id', clientSecret: 's' }],
    ['a body client_id equal to the header one', b('id:s'), { clientId: 'id', clientSecret: 's' }],
  ])('accepts %s', (_name, header, expected) => {
    expect(parseClientAuth(header, { client_id: header === b('id:s') ? 'id' : undefined })).toEqual({ ...expected, method: 'client_secret_basic' });
  });

  it.each([
    ['bytes that are not UTF-8', raw([0xff, 0xfe, 0x3a, 0x61])],
    ['a bad percent escape', b('id%zz:secret')],
    ['padding inside the value', 'Basic Zm9v=OmJh'],
    ['three padding characters', 'Basic Zm9vOmJhcg==='],
  ])('rejects %s with invalid_request "Malformed Basic credentials"', (_name, header) => {
    expect(() => parseClientAuth(header, {})).toThrow(new InvalidRequestError('Malformed Basic credentials'));
  });

  it('an empty body client_id is no client at all: invalid_client with the Basic challenge', () => {
    let err: InvalidClientError | undefined;
    try {
      parseClientAuth(undefined, { client_id: '', client_secret: 's' });
    } catch (e) {
      err = e as InvalidClientError;
    }
    expect(err).toBeInstanceOf(InvalidClientError);
    expect(err!.headers['WWW-Authenticate']).toBe('Basic realm="oauth"');
  });

  describe('private_key_jwt (RFC 7523 §2.2)', () => {
    const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jwt = (payload: Record<string, unknown>) => `${part({ alg: 'ES256' })}.${part(payload)}.c2ln`;

    it('the client is the assertion\'s sub; the assertion is passed on unverified', () => {
      const assertion = jwt({ sub: 'client1' });
      expect(parseClientAuth(undefined, { client_assertion_type: TYPE, client_assertion: assertion })).toEqual({ clientId: 'client1', assertion, method: 'private_key_jwt' });
    });

    it('RFC 6749 §3.2: an empty client_assertion and client_assertion_type count as omitted', () => {
      expect(parseClientAuth(undefined, { client_id: 'c', client_secret: 's', client_assertion: '', client_assertion_type: '' })).toMatchObject({ method: 'client_secret_post' });
    });

    it('no WWW-Authenticate Basic challenge on a refused assertion: the client did not try the header', () => {
      let err: InvalidClientError | undefined;
      try {
        parseClientAuth(undefined, { client_assertion_type: TYPE, client_assertion: jwt({}) });
      } catch (e) {
        err = e as InvalidClientError;
      }
      expect(err).toBeInstanceOf(InvalidClientError);
      expect(err!.headers['WWW-Authenticate']).toBeUndefined();
      expect(err!.reason).toBe('client_assertion has no sub');
      expect(err!.body()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    });
  });
});
