import { decodeJwt } from 'jose';
import { JWT_BEARER_ASSERTION_TYPE } from './client-assertion.js';
import { InvalidClientError, InvalidRequestError } from './errors.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** What the request presented as client credentials, before anything is looked up. */
export interface PresentedClient {
  clientId: string;
  /** Absent for a public client (method `none`, RFC 6749 §2.1). */
  clientSecret?: string;
  /** The signed JWT of a private_key_jwt client (RFC 7523 §2.2), not yet verified. */
  assertion?: string;
  method: ClientAuthMethod;
}

/** The body parameters that can carry client credentials. */
interface ClientAuthParams {
  client_id?: string;
  client_secret?: string;
  client_assertion_type?: string;
  client_assertion?: string;
}

// RFC 4648 §4 alphabet with optional padding. Checked before decoding, since Node's decoder silently
// skips characters outside it (SECURITY-CASES A1).
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads client credentials from the Authorization header (client_secret_basic) or the body
 * (client_secret_post, private_key_jwt). One method per request (RFC 6749 §2.3).
 *
 * myPOS documents `base64(client_id:client_secret)` and, in older copies, a semicolon; the decoded value is
 * split at the first `:` or `;` (IDs contain neither), then each half is form-urlencoded-decoded
 * (RFC 6749 Appendix B).
 */
export function parseClientAuth(authorization: string | undefined, body: ClientAuthParams): PresentedClient {
  const bodyId = body.client_id;
  const bodySecret = body.client_secret;

  // RFC 6749 §3.2: parameters sent without a value are treated as if they were omitted.
  if (nonEmpty(body.client_assertion) || nonEmpty(body.client_assertion_type)) {
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in each request.
    if (authorization !== undefined || nonEmpty(bodySecret)) throw new InvalidRequestError('Use one client authentication method, not two');
    return parseAssertion(bodyId, body.client_assertion_type, body.client_assertion);
  }

  if (authorization !== undefined) {
    const basic = parseBasic(authorization);
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in each request.
    if (bodySecret !== undefined) throw new InvalidRequestError('Use one client authentication method, not two');
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw new InvalidRequestError('client_id in the body does not match the Authorization header');
    }
    return basic;
  }

  if (bodyId === undefined || bodyId === '') throw new InvalidClientError({ basicChallenge: true });
  if (bodySecret === undefined) return { clientId: bodyId, method: 'none' };
  if (bodySecret === '') throw new InvalidClientError({ basicChallenge: false });
  return { clientId: bodyId, clientSecret: bodySecret, method: 'client_secret_post' };
}

/**
 * RFC 7521 §4.2 / RFC 7523 §2.2: the client is the assertion's `sub`; a `client_id` sent beside it must name the
 * same client. The signature and the other claims are checked once the client's keys are looked up.
 */
function parseAssertion(bodyId: string | undefined, type: string | undefined, assertion: string | undefined): PresentedClient {
  if (!nonEmpty(type) || !nonEmpty(assertion)) throw new InvalidRequestError('client_assertion and client_assertion_type go together');
  if (type !== JWT_BEARER_ASSERTION_TYPE) throw new InvalidClientError({ basicChallenge: false, reason: 'unsupported client_assertion_type' });
  let sub: unknown;
  try {
    sub = decodeJwt(assertion).sub;
  } catch {
    throw new InvalidClientError({ basicChallenge: false, reason: 'client_assertion is not a JWT' });
  }
  if (typeof sub !== 'string' || sub === '') throw new InvalidClientError({ basicChallenge: false, reason: 'client_assertion has no sub' });
  if (nonEmpty(bodyId) && bodyId !== sub) throw new InvalidClientError({ basicChallenge: false, reason: 'client_id differs from the assertion sub' });
  return { clientId: sub, assertion, method: 'private_key_jwt' };
}

const nonEmpty = (v: string | undefined): v is string => v !== undefined && v !== '';

function parseBasic(header: string): PresentedClient {
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  // Auth schemes are case-insensitive (RFC 7235 §2.1). Any other scheme is a failed client authentication.
  if (scheme.toLowerCase() !== 'basic') throw new InvalidClientError({ basicChallenge: true });
  const value = space === -1 ? '' : header.slice(space + 1).trim();
  if (value === '' || !BASE64.test(value)) throw new InvalidRequestError('Malformed Basic credentials');

  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (decoded.includes('\uFFFD')) throw new InvalidRequestError('Malformed Basic credentials');
  const sep = firstSeparator(decoded);
  if (sep === -1) throw new InvalidRequestError('Malformed Basic credentials');

  const clientId = formDecode(decoded.slice(0, sep));
  const clientSecret = formDecode(decoded.slice(sep + 1));
  if (clientId === '' || clientSecret === '') throw new InvalidClientError({ basicChallenge: true });
  return { clientId, clientSecret, method: 'client_secret_basic' };
}

function firstSeparator(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */ || c === 59 /* ; */) return i;
  }
  return -1;
}

function formDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new InvalidRequestError('Malformed Basic credentials');
  }
}
