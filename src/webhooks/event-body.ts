/**
 * The JSON body of a delivery: compact (no space after `:` or `,` between tokens), and with no `: ` or `, `
 * anywhere, not even inside a string value. The myPOS docs' PHP example, and the receivers written from it,
 * remove the space of every `: ` and `, ` before computing the HMAC they compare with v1; a body holding
 * one (a date such as "Thu, 03 Dec 2026 …", a merchant's "Shop, Ltd") would then no longer match its v1.
 * Inside a string such a space is written as the JSON escape `\u0020` instead: the value parses back
 * unchanged, and the normalisation finds nothing to alter, so v1 verifies byte for byte.
 */
export function eventBody(payload: Record<string, unknown>): string {
  // JSON.stringify puts no whitespace between tokens, so every `: ` or `, ` left is inside a string, where
  // neither character can be part of an escape sequence.
  return JSON.stringify(payload).replace(/([:,]) /g, '$1\\u0020');
}
