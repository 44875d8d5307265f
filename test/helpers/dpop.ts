import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A client's DPoP key pair (RFC 9449 §4.1) and a proof maker with every field overridable, for the MUST tables. */
export interface DpopKey {
  alg: 'ES256' | 'EdDSA' | 'Ed25519';
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** RFC 7638 thumbprint of the public key: the `cnf.jkt` a bound token carries. */
  jkt: string;
}

export async function dpopKey(alg: DpopKey['alg'] = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg === 'ES256' ? 'ES256' : 'Ed25519', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

export interface ProofOptions {
  htm?: string;
  htu?: string;
  /** Unix seconds; `undefined` given explicitly leaves the claim out. */
  iat?: number | undefined;
  jti?: string | undefined;
  /** The access token to cover with `ath`; or `ath` set by hand. */
  accessToken?: string;
  ath?: string;
  nonce?: string;
  typ?: string;
  /** The JWK put in the header (default the key's public JWK). */
  jwk?: JWK;
  /** Signs with another key than the header's (a bad signature). */
  signWith?: CryptoKey;
}

export const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A DPoP proof JWT (RFC 9449 §4.2). */
export async function proof(key: DpopKey, o: ProofOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: o.htm ?? 'POST',
    htu: o.htu,
    ...('iat' in o && o.iat === undefined ? {} : { iat: o.iat ?? Math.floor(Date.now() / 1000) }),
    ...('jti' in o ? (o.jti === undefined ? {} : { jti: o.jti }) : { jti: randomUUID() }),
    ...(o.accessToken !== undefined ? { ath: ath(o.accessToken) } : {}),
    ...(o.ath !== undefined ? { ath: o.ath } : {}),
    ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: o.typ ?? 'dpop+jwt', jwk: o.jwk ?? key.publicJwk })
    .sign(o.signWith ?? key.privateKey);
}

/** An unsigned (`alg: none`) or MAC-signed proof: what §4.3 check 5 refuses. */
export function unsecuredProof(key: DpopKey, htu: string, alg: 'none' | 'HS256', now: number): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const header = b64({ alg, typ: 'dpop+jwt', jwk: key.publicJwk });
  const payload = b64({ htm: 'POST', htu, iat: now, jti: randomUUID() });
  if (alg === 'none') return `${header}.${payload}.`;
  const mac = createHash('sha256').update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${mac}`;
}
