/** The myPOS auth hosts, and how a client names the endpoints it talks to. */

/** Base URLs of the myPOS auth API per named environment. */
export const MYPOS_AUTH_HOSTS = Object.freeze({
  sandbox: 'https://sandbox-auth-api.mypos.com',
  production: 'https://auth-api.mypos.com',
});

export type NamedEnvironment = keyof typeof MYPOS_AUTH_HOSTS;

/**
 * Explicit endpoints, for a self-hosted mypos-auth or a test server. Only `tokenUrl` is required; the others default
 * to `/oauth/revoke`, `/oauth/introspect` and `/oauth/authorize` on the token URL's origin.
 */
export interface CustomEnvironment {
  tokenUrl: string;
  revokeUrl?: string;
  introspectUrl?: string;
  authorizeUrl?: string;
}

export type EnvironmentOption = NamedEnvironment | CustomEnvironment;

export interface Endpoints {
  tokenUrl: string;
  revokeUrl: string;
  introspectUrl: string;
  authorizeUrl: string;
}

/** Resolves an environment option to absolute endpoint URLs; throws a TypeError on a bad option. */
export function resolveEndpoints(environment: EnvironmentOption): Endpoints {
  if (typeof environment === 'string') {
    const base = MYPOS_AUTH_HOSTS[environment as NamedEnvironment];
    if (!base || !Object.hasOwn(MYPOS_AUTH_HOSTS, environment)) {
      throw new TypeError(`environment must be "sandbox", "production" or { tokenUrl }, got "${environment}"`);
    }
    return fromOrigin(base, { tokenUrl: `${base}/oauth/token` });
  }
  if (!environment || typeof environment.tokenUrl !== 'string') {
    throw new TypeError('environment must be "sandbox", "production" or { tokenUrl }');
  }
  const tokenUrl = absoluteHttpUrl('tokenUrl', environment.tokenUrl);
  return fromOrigin(new URL(tokenUrl).origin, { ...environment, tokenUrl });
}

function fromOrigin(origin: string, given: CustomEnvironment): Endpoints {
  const pick = (name: keyof CustomEnvironment, path: string) => {
    const value = given[name];
    return value === undefined ? `${origin}${path}` : absoluteHttpUrl(name, value);
  };
  return {
    tokenUrl: given.tokenUrl,
    revokeUrl: pick('revokeUrl', '/oauth/revoke'),
    introspectUrl: pick('introspectUrl', '/oauth/introspect'),
    authorizeUrl: pick('authorizeUrl', '/oauth/authorize'),
  };
}

function absoluteHttpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${name} must be an absolute http(s) URL`);
  return url.toString();
}
