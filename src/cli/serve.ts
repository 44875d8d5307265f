import cluster from 'node:cluster';
import type { Command } from 'commander';
import { configFromEnv, ConfigError, resolveConfig, type Config } from '../config.js';
import { createClient } from '../core/client-management.js';
import { createLogger } from '../http/logger.js';
import { startServer, type RunningServer } from '../server.js';
import { openStore, sqlitePathOf } from '../storage/open-store.js';
import { CliError } from './context.js';
import { RestartPolicy } from './restart-policy.js';

interface ServeFlags {
  db?: string;
  host?: string;
  sandboxPort?: string;
  productionPort?: string;
  sandboxIssuer?: string;
  productionIssuer?: string;
  serverKey?: string;
  accessTokenTtl?: string;
  logLevel?: string;
  trustProxy?: boolean;
  demoClient?: boolean;
  migrate?: boolean;
  workers?: string;
  clientFailuresPerMinute?: string;
  ipFailuresPerMinute?: string;
  introspectionPerSecond?: string;
  dangerouslyAllowAnyWebhookTarget?: boolean;
}

/** `serve`: both environments, each on its own port; SIGTERM drains and exits 0. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the authorization server (sandbox and production listeners)')
    .option('--db <url>', 'database URL: sqlite:PATH or postgres://… (env DATABASE_URL)')
    .option('--host <addr>', 'interface to bind (env HOST)')
    .option('--sandbox-port <port>', 'sandbox port (env PORT)')
    .option('--production-port <port>', 'production port (env PRODUCTION_PORT)')
    .option('--sandbox-issuer <url>', 'public URL of the sandbox, when behind a proxy')
    .option('--production-issuer <url>', 'public URL of production, when behind a proxy')
    .option('--server-key <key>', 'server key, ≥32 bytes hex or base64 (env MYPOS_AUTH_SERVER_KEY)')
    .option('--access-token-ttl <seconds>', 'access token lifetime')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL)')
    .option('--trust-proxy', 'trust X-Forwarded-For from the proxy in front')
    .option('--demo-client', 'on an empty database, create a demo sandbox client and print it')
    .option('--migrate', 'apply pending PostgreSQL migrations before serving')
    .option('--workers <n>', 'worker processes sharing the ports (node:cluster)')
    .option('--client-failures-per-minute <n>', 'failed authentications allowed per (client_id, IP) per minute (30)')
    .option('--ip-failures-per-minute <n>', 'failed authentications allowed per IP per minute (300)')
    .option('--introspection-per-second <n>', 'introspection requests allowed per resource server per second (5000)')
    .option('--dangerously-allow-any-webhook-target', 'DANGEROUS: let webhooks target http, loopback and private addresses (SSRF)')
    .action(async (flags: ServeFlags) => {
      let config: Config;
      try {
        config = resolveConfig({ ...configFromEnv(process.env), ...flagsToConfig(flags) });
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message);
        throw err;
      }
      if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
      const logger = createLogger(config.logLevel);
      let server: RunningServer;
      try {
        // In a cluster the primary already migrated; workers only check.
        server = await startServer(cluster.isWorker ? { ...config, migrate: false } : config, { logger });
      } catch (err) {
        throw new CliError(`Cannot start: ${(err as Error).message}`);
      }
      installSignalHandlers(server);
      if (cluster.isWorker) {
        process.send?.({ type: 'listening', urls: server.urls });
        if (config.demoClient && cluster.worker?.id === 1 && (await server.store.clients.count()) === 0) await printDemoClient(server);
        return;
      }
      process.stdout.write(`mypos-auth listening: sandbox ${server.urls.sandbox}, production ${server.urls.production}\n`);
      process.stdout.write(`Web Account (sign up, then generate credentials): ${server.urls.sandbox}/account\n`);
      if (config.demoClient && (await server.store.clients.count()) === 0) await printDemoClient(server);
    });
}

/**
 * `--workers N`: the primary migrates once, forks N workers that share both listening sockets, prints the
 * listening line when every worker is up, replaces a worker that dies, and on SIGTERM drains them all.
 */
async function runPrimary(config: Config): Promise<void> {
  // SQLite migrates at open: done once here, or the workers race to create the same tables.
  if (config.migrate || sqlitePathOf(config.db) !== undefined) {
    const store = await openStore(config.db, { migrate: true }).catch((err: Error) => {
      throw new CliError(`Cannot start: ${err.message}`);
    });
    await store.close();
  }
  let stopping = false;
  let up = 0;
  const restarts = new RestartPolicy();
  const startedAt = new Map<number, number>();
  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
    worker.on('message', (m: { type?: string; urls?: RunningServer['urls'] }) => {
      if (m?.type === 'listening' && ++up === config.workers && m.urls) {
        process.stdout.write(`mypos-auth listening: sandbox ${m.urls.sandbox}, production ${m.urls.production} (${config.workers} workers)\n`);
      }
    });
  };
  cluster.on('exit', (worker, code) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    const decision = restarts.onExit(Date.now() - (startedAt.get(worker.id) ?? 0));
    startedAt.delete(worker.id);
    if (decision.action === 'give-up') {
      stopping = true;
      process.stderr.write(`mypos-auth: workers failed ${decision.quickFailures} times in a row within seconds of starting; giving up (see the errors above)\n`);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1);
      return;
    }
    process.stderr.write(`mypos-auth: worker ${worker.process.pid} exited (${code}); starting another in ${decision.delayMs} ms\n`);
    setTimeout(() => {
      if (!stopping) fork();
    }, decision.delayMs);
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`mypos-auth: ${signal} received, draining ${config.workers} workers\n`);
    const workers = Object.values(cluster.workers ?? {});
    // A restart may be pending with no worker alive: nothing to drain.
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < config.workers; i++) fork();
}

function flagsToConfig(f: ServeFlags): Partial<Config> {
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const out: Record<string, unknown> = {
    db: f.db,
    host: f.host,
    sandboxPort: num(f.sandboxPort),
    productionPort: num(f.productionPort),
    sandboxIssuer: f.sandboxIssuer,
    productionIssuer: f.productionIssuer,
    serverKey: f.serverKey,
    accessTokenTtl: num(f.accessTokenTtl),
    logLevel: f.logLevel,
    trustProxy: f.trustProxy,
    demoClient: f.demoClient,
    migrate: f.migrate,
    workers: num(f.workers),
    clientFailuresPerMinute: num(f.clientFailuresPerMinute),
    ipFailuresPerMinute: num(f.ipFailuresPerMinute),
    introspectionPerSecond: num(f.introspectionPerSecond),
    dangerouslyAllowAnyWebhookTarget: f.dangerouslyAllowAnyWebhookTarget,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as Partial<Config>;
}

function installSignalHandlers(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`mypos-auth: ${signal} received, draining\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function printDemoClient(server: RunningServer): Promise<void> {
  const { client, secret } = await createClient(
    { clients: server.store.clients, hasher: server.hasher, clock: { now: () => Math.floor(Date.now() / 1000) } },
    { environment: 'sandbox', name: 'Demo client', scopes: ['webhooks', 'transactions', 'devices'] },
  );
  const url = server.urls.sandbox;
  process.stdout.write(
    [
      '',
      'Created a demo sandbox client (shown once):',
      `  Client ID:     ${client.id}`,
      `  Client Secret: ${secret}`,
      '',
      'Get a token:',
      `  curl -s -X POST ${url}/oauth/token \\`,
      `    -H "Authorization: Basic $(printf '%s' '${client.id}:${secret}' | base64 -w0)" \\`,
      `    -H 'Content-Type: application/x-www-form-urlencoded' \\`,
      `    -d 'grant_type=client_credentials&scope=webhooks'`,
      '',
    ].join('\n'),
  );
}
