// Peer: oidc-provider 8.8.1 with client_credentials, introspection and revocation enabled, opaque tokens,
// one client and an unbounded in-memory Map adapter (the built-in MemoryAdapter is an LRU of 1000 entries,
// which would evict most of a revocation pool and turn revocations into cheap misses).
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const clientId = process.env.CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.CLIENT_SECRET ?? 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';

const store = new Map();
class MapAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload, expiresIn) {
    store.set(this.key(id), { payload, exp: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
  }
  async find(id) {
    const e = store.get(this.key(id));
    if (!e) return undefined;
    if (e.exp < Date.now()) { store.delete(this.key(id)); return undefined; }
    return e.payload;
  }
  async findByUid() { return undefined; }
  async findByUserCode() { return undefined; }
  async consume(id) { const p = await this.find(id); if (p) p.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { store.delete(this.key(id)); }
  async revokeByGrantId() {}
}

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'webhooks',
  }],
  scopes: ['webhooks'],
  ttl: { ClientCredentials: 3600 },
  features: {
    clientCredentials: { enabled: true },
    // A client may introspect only its own tokens (the same rule as ours).
    introspection: { enabled: true, allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId },
    revocation: { enabled: true },
    devInteractions: { enabled: false },
  },
  // Plain http on loopback needs no setting: the issuer is http and no cookie-based flow is exercised.
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
});
provider.on('server_error', (ctx, err) => process.stderr.write(`oidc-provider server_error: ${err}\n`));

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ ready: true, base: issuer }) + '\n');
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
