import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * Merchant passwords are human-chosen, so they get a slow, memory-hard hash: argon2id with OWASP's
 * recommended floor (19 MiB, 2 passes, 1 lane; ASVS 6.5.x / OWASP Password Storage Cheat Sheet).
 */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** ASVS 6.2.1/6.2.9: at least 12 characters, up to 256 (long passphrases allowed), any characters. */
export const PASSWORD_MIN = 12;
const PASSWORD_MAX = 256;

export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `The password needs at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `The password may have at most ${PASSWORD_MAX} characters`;
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when the email is unknown, so "no such account" costs the same argon2 work as a wrong
// password (ASVS 6.3.8: no timing difference).
let dummy: Promise<string> | undefined;

/** True when `password` matches `phc`; with `phc` undefined, spends the same time and answers false. */
export async function verifyPassword(password: string, phc: string | undefined): Promise<boolean> {
  dummy ??= hash('not the password of anyone', OPTIONS);
  const target = phc ?? (await dummy);
  let ok = false;
  try {
    ok = await verify(target, password);
  } catch {
    ok = false;
  }
  return ok && phc !== undefined;
}
