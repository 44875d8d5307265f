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

export function duration(seconds: number): string {
  if (seconds <= 0) return 'now';
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
