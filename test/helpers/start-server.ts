import type { Config } from '../../src/config.js';
import { startServer as startRealServer, type RunningServer, type StartOptions } from '../../src/server.js';
import { credentialRecorder } from '../log-safety/credential-recorder.js';
import { captureLogger } from '../log-safety/log-capture.js';

/**
 * The real startServer, as every test starts it: logging at trace into the run's log directory, with every
 * credential that crosses the wire recorded, for the end-of-run log scan (test/log-safety/). Tests import it
 * from here, not from src/server.ts; log-safety/capture.test.ts checks that none bypasses it.
 */
export function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  return startRealServer(config, {
    ...options,
    logger: options.logger ?? captureLogger(),
    plugins: [credentialRecorder, ...(options.plugins ?? [])],
  });
}
