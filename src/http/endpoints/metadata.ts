import type { FastifyInstance } from 'fastify';
import { ASSERTION_ALGORITHMS } from '../../core/client-keys.js';
import { DPOP_ALGORITHMS } from '../../core/dpop.js';
import { SUPPORTED_GRANT_TYPES } from '../../core/grants/index.js';
import { KNOWN_SCOPES } from '../../core/scope.js';
import type { AppContext } from '../context.js';

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** GET /.well-known/oauth-authorization-server (RFC 8414 §3): what this environment serves, at its own issuer. */
export function registerMetadataEndpoint(app: FastifyInstance, ctx: Pick<AppContext, 'issuer'>): void {
  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => {
    const issuer = ctx.issuer();
    reply.header('Cache-Control', 'public, max-age=300');
    return {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: SUPPORTED_GRANT_TYPES,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      scopes_supported: [...KNOWN_SCOPES],
      // `none`: public clients (PKCE only) at the token endpoint for authorization_code and refresh_token.
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, 'none'],
      // RFC 8414 §2: the algorithms a private_key_jwt assertion may be signed with (RFC 7523).
      token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      // RFC 9126 §5: pushing is optional server-wide; a client registered to push must (its own setting).
      pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
      require_pushed_authorization_requests: false,
      // RFC 9449 §5.1: the token endpoint binds tokens to DPoP keys signed with these.
      dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    };
  });
}
