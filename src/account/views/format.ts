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

/** "1 token", "3 tokens": a count with its noun, for people. */
export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : many}`;
}
