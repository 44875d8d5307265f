import { randomBytes } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, SignJWT } from 'jose';
import type { Clock } from '../core/clock.js';
import type { SecretHasher } from '../core/secret-hasher.js';
import { TokenIssuer, type GrantBinding, type MintedToken, type TokenLifetimes } from '../core/token-issuer.js';
import type { JwtAccessTokenResolver } from '../core/token-lookup.js';
import type { ClientRecord, Environment, TokenKind, TokenRepository } from '../storage/types.js';
import { RETENTION_LEEWAY_SECONDS, type SigningKeys } from './signing-keys.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

interface Deps {
  tokens: Pick<TokenRepository, 'insert'>;
  hasher: SecretHasher;
  clock: Clock;
  lifetimes: TokenLifetimes;
  keys: SigningKeys;
  /** The issuer identifier of an environment (RFC 8414 §2); also the default audience. */
  issuerOf: (environment: Environment) => string;
}

/**
 * Issues RFC 9068 JWT access tokens: header `typ: at+jwt`, ES256, `kid`; claims `iss`, `aud`, `sub`, `client_id`,
 * `scope`, `jti`, `iat`, `exp`, and `cnf.jkt` when DPoP-bound (RFC 9449 §6.1). Each token still gets a row in the tokens table, keyed by the digest of its `jti`, so
 * introspection, revocation and the bearer layer treat it like an opaque token (a revoked JWT is inactive until it
 * expires). Refresh tokens stay opaque.
 *
 * `aud` is the `resource` values the token was asked for (RFC 8707 §2, RFC 9068 §3); with none, the environment's
 * issuer URL, the default resource indicator (the Webhook API is served on the same host). `sub` is the merchant for the code flow and the client
 * itself for client_credentials (§2.2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068
 */
export class JwtTokenIssuer extends TokenIssuer {
  readonly #deps: Deps;

  constructor(deps: Deps) {
    super(deps);
    this.#deps = deps;
  }

  override async mint(kind: TokenKind, client: ClientRecord, environment: Environment, scope: string, grant: GrantBinding): Promise<MintedToken> {
    if (kind !== 'access') return super.mint(kind, client, environment, scope, grant);
    const { hasher, clock, lifetimes, keys, issuerOf } = this.#deps;
    const { record, key } = await keys.signingKey(environment);
    const now = clock.now();
    // Never outlive the key's place in the JWKS (only matters if the lifetime was raised after the key was made).
    const expiresAt = Math.min(now + lifetimes.accessTokenTtl, record.expiresAt - RETENTION_LEEWAY_SECONDS);
    const jti = randomBytes(24).toString('base64url');
    const iss = issuerOf(environment);
    const audience = grant.audience ?? null;
    // RFC 9449 §6.1: a DPoP-bound token names its key's thumbprint in the confirmation claim.
    const value = await new SignJWT({ client_id: client.id, scope, ...(grant.jkt ? { cnf: { jkt: grant.jkt } } : {}) })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: record.kid })
      .setIssuer(iss)
      .setAudience(audience === null ? iss : audience.length === 1 ? audience[0]! : audience)
      .setSubject(grant.subject ?? client.id)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .setJti(jti)
      .sign(key);
    const stored = {
      key: jtiDigest(hasher, jti),
      kind: 'access' as const,
      clientId: client.id,
      environment,
      scope,
      issuedAt: now,
      expiresAt,
      revokedAt: null,
      grantId: grant.grantId,
      subject: grant.subject,
      rotatedAt: null,
      familyExpiresAt: null,
      audience,
      jkt: grant.jkt ?? null,
    };
    return { value, record: stored, expiresIn: expiresAt - now };
  }
}

/** The stored digest of a JWT's `jti`: its own hash purpose, so a `jti` presented as an opaque token finds nothing. */
function jtiDigest(hasher: SecretHasher, jti: string): string {
  return hasher.hash('jwt_id', jti);
}

/**
 * Maps a presented JWT to its tokens-table row digest, after checking that we signed it: a published key of this
 * environment (by `kid`), ES256, `typ: at+jwt`, our issuer. Expiry and revocation are then the row's business, as for
 * opaque tokens. Anything else is unknown.
 */
export class JwtAccessTokenVerifier implements JwtAccessTokenResolver {
  constructor(
    private readonly deps: { hasher: SecretHasher; keys: SigningKeys; issuerOf: (environment: Environment) => string },
  ) {}

  async digestOf(value: string, environment: Environment): Promise<string | undefined> {
    if (!JWT_SHAPE.test(value)) return undefined;
    try {
      const header = decodeProtectedHeader(value);
      if (header.alg !== 'ES256' || typeof header.kid !== 'string' || !isAccessTokenType(header.typ)) return undefined;
      const key = await this.deps.keys.verificationKey(environment, header.kid);
      if (!key) return undefined;
      const { payload } = await compactVerify(value, key, { algorithms: ['ES256'] });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; jti?: unknown };
      if (claims.iss !== this.deps.issuerOf(environment) || typeof claims.jti !== 'string' || claims.jti === '') return undefined;
      return jtiDigest(this.deps.hasher, claims.jti);
    } catch {
      return undefined;
    }
  }
}

/** RFC 9068 §4: `at+jwt`, also written `application/at+jwt` (RFC 7515 §4.1.9). */
function isAccessTokenType(typ: unknown): boolean {
  return typeof typ === 'string' && ['at+jwt', 'application/at+jwt'].includes(typ.toLowerCase());
}
