/**
 * @mypos-auth/client: a zero-dependency client for the myPOS auth API (and mypos-auth servers).
 * Imports nothing from the server; uses the global `fetch` and `node:crypto`.
 */
export { TokenClient, basicAuthorization } from './token-client.js';
export type { Clock, IntrospectionResponse, TokenClientOptions } from './token-client.js';
export type { TokenResponse } from './token-response.js';
export type { PrivateKeyJwtOptions } from './client-assertion.js';
export type { DpopOptions } from './dpop.js';
export type { PrivateKeyInput, SigningAlgorithm } from './jws.js';
export { AuthorizationCodeFlow } from './authorization-code.js';
export type { AuthorizationRequest, AuthorizationUrlOptions } from './authorization-code.js';
export { codeChallengeS256, createCodeVerifier, createState } from './pkce.js';
export { MYPOS_AUTH_HOSTS, resolveEndpoints } from './environments.js';
export type { CustomEnvironment, Endpoints, EnvironmentOption, NamedEnvironment } from './environments.js';
export type { RetryOptions } from './http.js';
export { OAuthRequestError, WebhookSignatureError } from './errors.js';
export type { OAuthRequestErrorCode, WebhookSignatureErrorCode } from './errors.js';
export { verifyWebhookSignature } from './webhook-signature.js';
export type { VerifyWebhookOptions } from './webhook-signature.js';
export { AccessTokenVerifier, JwtVerificationError } from './access-token-verifier.js';
export type { AccessTokenClaims, AccessTokenVerifierOptions, JwtVerificationErrorCode } from './access-token-verifier.js';
