/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  /** `DPoP` for a token bound to the key of the request's DPoP proof (RFC 9449 §5.1). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** RFC 9449 §5.1: the token type says whether the access token is bound to a DPoP key. */
export function tokenTypeOf(jkt: string | null | undefined): 'Bearer' | 'DPoP' {
  return jkt ? 'DPoP' : 'Bearer';
}
