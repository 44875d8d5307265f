/** Dates on the pages: UTC, to the minute, in a <time> element's machine-readable form too. */
export function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export function envLabel(env: 'sandbox' | 'production'): string {
  return env === 'sandbox' ? 'Sandbox' : 'Production';
}
