import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { decodeServerKey } from '../config.js';
import { CliError } from './context-errors.js';

/** The flags every command that opens the database shares: where it is, and where the server key is. */
export interface KeyFlags {
  serverKeyFile?: string;
  /** Refused: kept only to say where the key goes now. */
  serverKey?: string;
}

const SERVER_KEY_ON_COMMAND_LINE =
  '--server-key no longer takes the key itself (a command line shows in ps and shell history): put the key in a file ' +
  'readable only by the server (mode 0600) and give --server-key-file PATH, or set MYPOS_AUTH_SERVER_KEY';

/** Adds `--server-key-file`, and the old `--server-key`, hidden, so that using it gets the way forward, not "unknown option". */
export function addServerKeyOptions(command: Command): Command {
  return command
    .option('--server-key-file <path>', 'file holding the server key, ≥32 bytes hex or base64 (else env MYPOS_AUTH_SERVER_KEY, else server.key beside a SQLite database)')
    .addOption(new Option('--server-key <key>').hideHelp());
}

/** The server key the flags name: the file's content, undefined when no file is given. Never echoes the key. */
export function serverKeyFromFlags(flags: KeyFlags): string | undefined {
  if (flags.serverKey !== undefined) throw new CliError(SERVER_KEY_ON_COMMAND_LINE);
  if (flags.serverKeyFile === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(flags.serverKeyFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read the server key file ${flags.serverKeyFile}: ${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message}`);
  }
  if (decodeServerKey(text) === undefined) {
    throw new CliError(`${flags.serverKeyFile} does not hold a valid server key (at least 32 bytes, hex or base64)`);
  }
  return text.trim();
}
