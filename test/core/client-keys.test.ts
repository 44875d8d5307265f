import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientKeyError, parsePublicKeys } from '../../src/core/client-keys.js';

/** Registration of a private_key_jwt client's keys (RFC 7517 §4, §5; RFC 7523 §2.2): public signing keys only. */
describe('client keys › parsePublicKeys', () => {
  let ec: Record<string, unknown>;
  let ecPrivate: Record<string, unknown>;
  let ed: Record<string, unknown>;
  let rsa: Record<string, unknown>;
  let rsaPrivate: Record<string, unknown>;
  let rsa1024: Record<string, unknown>;
  beforeAll(async () => {
    const e = await generateKeyPair('ES256', { extractable: true });
    ec = { ...(await exportJWK(e.publicKey)), kid: 'ec' };
    ecPrivate = { ...(await exportJWK(e.privateKey)), kid: 'ec' };
    ed = await exportJWK((await generateKeyPair('EdDSA', { crv: 'Ed25519' })).publicKey);
    const r = await generateKeyPair('RS256', { extractable: true });
    rsa = await exportJWK(r.publicKey);
    rsaPrivate = await exportJWK(r.privateKey);
    rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
  });

  it('takes a single JWK and a JWK Set, keeping only the public members, kid, alg and use', async () => {
    expect(await parsePublicKeys(JSON.stringify({ ...ec, alg: 'ES256', use: 'sig', key_ops: ['verify'], x5t: 'abc' }))).toEqual([
      { kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y, kid: 'ec', alg: 'ES256', use: 'sig' },
    ]);
    expect(await parsePublicKeys(JSON.stringify({ keys: [ec, ed, rsa] }))).toHaveLength(3);
  });

  const REFUSED: Array<{ rule: string; input: () => string; message: RegExp }> = [
    { rule: 'a private EC key (has "d")', input: () => JSON.stringify(ecPrivate), message: /private key.*"d".*public key only/ },
    { rule: 'a private RSA key inside a set', input: () => JSON.stringify({ keys: [ec, rsaPrivate] }), message: /^Key 2: this is a private key/ },
    { rule: 'a symmetric key (kty oct, "k")', input: () => JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }), message: /private key/ },
    { rule: 'an unknown kty', input: () => JSON.stringify({ kty: 'XYZ' }), message: /"kty" must be/ },
    { rule: 'an EC key on P-384', input: () => JSON.stringify({ ...ec, crv: 'P-384' }), message: /P-256/ },
    { rule: 'an RSA key under 2048 bits', input: () => JSON.stringify(rsa1024), message: /2048 bits/ },
    { rule: 'RFC 7517 §4.2: "use": "enc"', input: () => JSON.stringify({ ...ec, use: 'enc' }), message: /"use" must be "sig"/ },
    { rule: 'RFC 7517 §4.3: key_ops without verify', input: () => JSON.stringify({ ...ec, key_ops: ['encrypt'] }), message: /key_ops/ },
    { rule: 'an alg not offered (HS256)', input: () => JSON.stringify({ ...ec, alg: 'HS256' }), message: /"alg" must be one of/ },
    { rule: 'an alg that does not fit the key', input: () => JSON.stringify({ ...ec, alg: 'RS256' }), message: /does not fit/ },
    { rule: 'a point that is not on the curve', input: () => JSON.stringify({ ...ec, x: ed.x }), message: /does not load/ },
    { rule: 'not JSON', input: () => '-----BEGIN PUBLIC KEY-----', message: /not valid JSON/ },
    { rule: 'empty input', input: () => '  ', message: /Paste a public key/ },
    { rule: 'an empty set', input: () => '{"keys":[]}', message: /non-empty/ },
    { rule: 'more than four keys', input: () => JSON.stringify({ keys: [1, 2, 3, 4, 5].map((i) => ({ ...ec, kid: `k${i}` })) }), message: /at most 4/ },
    { rule: 'two keys with one kid', input: () => JSON.stringify({ keys: [ec, { ...ed, kid: 'ec' }] }), message: /share a "kid"/ },
    { rule: 'the same key twice', input: () => JSON.stringify({ keys: [ec, { ...ec, kid: 'other' }] }), message: /same key appears twice/ },
  ];
  for (const c of REFUSED) {
    it(`refuses ${c.rule}, saying what to fix`, async () => {
      const err = await parsePublicKeys(c.input()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientKeyError);
      expect((err as Error).message).toMatch(c.message);
    });
  }
});
