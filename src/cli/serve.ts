import cluster from 'node:cluster';
import type { Command } from 'commander';
import { configFromEnv, ConfigError, DEFAULT_CONFIG, resolveConfig, type Config } from '../config.js';
import { createClient } from '../core/client-management.js';
import { createLogger } from '../http/logger.js';
import type { ManagementServer } from '../http/management-server.js';
import { startServer, type RunningServer } from '../server.js';
import { openStore, sqlitePathOf } from '../storage/open-store.js';
import { CliError } from './context.js';
import { metricsUrl, offerMetricsToPrimary, serveClusterMetrics, serveProcessMetrics } from './metrics-listener.js';
import { RestartPolicy } from './restart-policy.js';
import { addServerKeyOptions, serverKeyFromFlags, type KeyFlags } from './server-key-file.js';

interface ServeFlags extends KeyFlags {
  db?: string;
  host?: string;
  port?: string;
  sandboxPort?: string;
  productionPort?: string;
  metricsPort?: string;
  metricsHost?: string;
  sandboxIssuer?: string;
  productionIssuer?: string;
  accessTokenTtl?: string;
  logLevel?: string;
  trustProxy?: boolean;
  demoClient?: boolean;
  migrate?: boolean;
  workers?: string;
  clientFailuresPerMinute?: string;
  ipFailuresPerMinute?: string;
  loginFailuresPerAccountPerMinute?: string;
  loginFailuresPerIpPerMinute?: string;
  introspectionPerSecond?: string;
  dangerouslyAllowAnyWebhookTarget?: boolean;
  sandboxWebhookResource?: string;
  productionWebhookResource?: string;
  sandboxResourceServer?: string[];
  productionResourceServer?: string[];
  dpopNonce?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const D = DEFAULT_CONFIG;

/** `serve`: both environments, each on its own port; SIGTERM drains and exits 0. */
export function registerServe(program: Command): void {
  // Defaults are written into the help text, not given to commander: a commander default would override the
  // environment variables, which flags only override when given.
  const command = program
    .command('serve')
    .description('run the authorization server (sandbox and production listeners, and the metrics listener)')
    .option('--db <url>', `database URL: sqlite:PATH or postgres://… (env DATABASE_URL; default ${D.db})`)
    .option('--host <addr>', `interface the public listeners bind (env HOST; default ${D.host})`)
    .option('--port <port>', 'the sandbox port, with production on the next one (env PORT); like --sandbox-port P --production-port P+1')
    .option('--sandbox-port <port>', `sandbox port (env PORT; default ${D.sandboxPort}; 0 picks a free one)`)
    .option('--production-port <port>', `production port (env PRODUCTION_PORT; default the sandbox port + 1, so ${D.productionPort})`)
    .option('--metrics-port <port>', `management listener serving GET /metrics (default ${D.metricsPort}; 0 for none)`)
    .option('--metrics-host <addr>', `interface of the management listener (default ${D.metricsHost})`)
    .option('--sandbox-issuer <url>', 'public URL of the sandbox, when behind a proxy (default http://HOST:PORT of its listener)')
    .option('--production-issuer <url>', 'public URL of production, when behind a proxy (default http://HOST:PORT of its listener)')
    .option('--sandbox-webhook-resource <url>', "the Webhook API's resource indicator in the sandbox (RFC 8707; default the sandbox issuer URL)")
    .option('--production-webhook-resource <url>', "the Webhook API's resource indicator in production (RFC 8707; default the production issuer URL)")
    .option('--sandbox-resource-server <url>', 'another sandbox resource server a token may be restricted to (RFC 8707; repeatable)', collect)
    .option('--production-resource-server <url>', 'another production resource server a token may be restricted to (RFC 8707; repeatable)', collect)
    .option('--access-token-ttl <seconds>', `access token lifetime (default ${D.accessTokenTtl})`)
    .option('--log-level <level>', `fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL; default ${D.logLevel})`)
    .option('--trust-proxy', 'trust X-Forwarded-For from the proxy in front (default off)')
    .option('--demo-client', 'on an empty database, create a demo sandbox client and print it')
    .option('--migrate', 'apply pending PostgreSQL migrations before serving (SQLite always migrates)')
    .option('--workers <n>', `worker processes sharing the ports (node:cluster; default ${D.workers})`)
    .option('--client-failures-per-minute <n>', `failed authentications allowed per (client_id, IP) per minute (default ${D.clientFailuresPerMinute})`)
    .option('--ip-failures-per-minute <n>', `failed authentications allowed per IP per minute (default ${D.ipFailuresPerMinute})`)
    .option('--login-failures-per-account-per-minute <n>', `failed Web Account logins allowed per account per minute across processes (PostgreSQL or workers; default ${D.loginFailuresPerAccountPerMinute})`)
    .option('--login-failures-per-ip-per-minute <n>', `failed Web Account logins allowed per IP per minute across processes (PostgreSQL or workers; default ${D.loginFailuresPerIpPerMinute})`)
    .option('--introspection-per-second <n>', `introspection requests allowed per resource server per second (default ${D.introspectionPerSecond})`)
    .option('--dpop-nonce', 'require server-issued nonces in DPoP proofs (RFC 9449 §8, §9; default off)')
    .option('--dangerously-allow-any-webhook-target', 'DANGEROUS: let webhooks target http, loopback and private addresses (SSRF)');
  addServerKeyOptions(command).action(async (flags: ServeFlags) => {
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
    if (cluster.isWorker) {
      installSignalHandlers(server);
      offerMetricsToPrimary(server.metrics);
      process.send?.({ type: 'listening', urls: server.urls });
      if (config.demoClient && cluster.worker?.id === 1 && (await server.store.clients.count()) === 0) await printDemoClient(server);
      return;
    }
    const management = await serveProcessMetrics(config, server.metrics).catch(async (err: Error) => {
      await server.close();
      throw new CliError(`Cannot start: ${err.message}`);
    });
    installSignalHandlers(server, management);
    // One write: a reader that acts on the "listening" line finds the rest of the banner with it.
    process.stdout.write(
      `mypos-auth listening: sandbox ${server.urls.sandbox}, production ${server.urls.production}\n` +
        (management ? `Metrics (management listener): ${metricsUrl(management)}\n` : '') +
        `Web Account (sign up, then generate credentials): ${server.urls.sandbox}/account\n`,
    );
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
  const management = await serveClusterMetrics(config).catch((err: Error) => {
    throw new CliError(`Cannot start: ${err.message}`);
  });
  let stopping = false;
  let up = 0;
  const restarts = new RestartPolicy();
  const startedAt = new Map<number, number>();
  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
    worker.on('message', (m: { type?: string; urls?: RunningServer['urls'] }) => {
      if (m?.type === 'listening' && ++up === config.workers && m.urls) {
        process.stdout.write(
          `mypos-auth listening: sandbox ${m.urls.sandbox}, production ${m.urls.production} (${config.workers} workers)\n` +
            (management ? `Metrics (management listener, all workers): ${metricsUrl(management)}\n` : ''),
        );
      }
    });
  };
  cluster.on('exit', (worker, code) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) void (management?.close() ?? Promise.resolve()).then(() => process.exit(process.exitCode ?? 0));
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
  // --port P means what the PORT variable means: the sandbox on P, production on P + 1 unless given.
  if (f.port !== undefined && f.sandboxPort !== undefined) throw new CliError('give --port or --sandbox-port, not both (--port P is --sandbox-port P --production-port P+1)');
  const port = num(f.port);
  const out: Record<string, unknown> = {
    db: f.db,
    host: f.host,
    sandboxPort: port ?? num(f.sandboxPort),
    productionPort: num(f.productionPort) ?? (port === undefined ? undefined : port === 0 ? 0 : port + 1),
    metricsPort: num(f.metricsPort),
    metricsHost: f.metricsHost,
    sandboxIssuer: f.sandboxIssuer,
    productionIssuer: f.productionIssuer,
    serverKey: serverKeyFromFlags(f),
    accessTokenTtl: num(f.accessTokenTtl),
    logLevel: f.logLevel,
    trustProxy: f.trustProxy,
    demoClient: f.demoClient,
    migrate: f.migrate,
    workers: num(f.workers),
    clientFailuresPerMinute: num(f.clientFailuresPerMinute),
    ipFailuresPerMinute: num(f.ipFailuresPerMinute),
    loginFailuresPerAccountPerMinute: num(f.loginFailuresPerAccountPerMinute),
    loginFailuresPerIpPerMinute: num(f.loginFailuresPerIpPerMinute),
    introspectionPerSecond: num(f.introspectionPerSecond),
    dangerouslyAllowAnyWebhookTarget: f.dangerouslyAllowAnyWebhookTarget,
    sandboxWebhookResource: f.sandboxWebhookResource,
    productionWebhookResource: f.productionWebhookResource,
    sandboxResourceServers: f.sandboxResourceServer,
    productionResourceServers: f.productionResourceServer,
    dpopNonce: f.dpopNonce,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as Partial<Config>;
}

function installSignalHandlers(server: RunningServer, management?: ManagementServer): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`mypos-auth: ${signal} received, draining\n`);
    Promise.all([server.close(), management?.close()]).then(
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
      `    -H "Authorization: Basic $(printf '%s' '${client.id}:${secret}' | base64 | tr -d '\\n')" \\`,
      `    -H 'Content-Type: application/x-www-form-urlencoded' \\`,
      `    -d 'grant_type=client_credentials&scope=webhooks'`,
      '',
    ].join('\n'),
  );
}
