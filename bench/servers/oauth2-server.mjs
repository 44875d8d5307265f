// Peer: @node-oauth/oauth2-server 5 served through express 5 (the pairing the peer figures quote):
// client_credentials with an in-memory model, and bearer authentication on GET /v1/webhooks. The library
// has no introspection endpoint and revokes only refresh tokens, so those scenarios are n/a for it.
import OAuth2Server from '@node-oauth/oauth2-server';
import express from 'express';

const { Request, Response } = OAuth2Server;
const port = Number(process.env.PORT);
const clientId = process.env.CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.CLIENT_SECRET ?? 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';

const client = { id: clientId, grants: ['client_credentials'], accessTokenLifetime: 3600 };
const tokens = new Map();
const model = {
  async getClient(id, secret) {
    return id === clientId && secret === clientSecret ? client : null;
  },
  async getUserFromClient() { return { id: 'service' }; },
  async validateScope(user, c, scope) { return scope && scope.every((s) => s === 'webhooks') ? scope : ['webhooks']; },
  async saveToken(token, c, user) {
    const saved = { ...token, client: c, user };
    tokens.set(token.accessToken, saved);
    return saved;
  },
  async getAccessToken(accessToken) { return tokens.get(accessToken) ?? null; },
  async verifyScope(token, scope) { return (token.scope ?? []).some((s) => scope.includes(s)); },
};
const oauth = new OAuth2Server({ model, allowBearerTokensInQueryString: false });

const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false }));

function send(res, response) {
  res.set(response.headers).status(response.status).send(response.body);
}

app.post('/oauth/token', async (req, res) => {
  const response = new Response(res);
  try {
    await oauth.token(new Request(req), response);
  } catch (err) {
    response.status = err.code ?? 500;
    response.body = { error: err.name, error_description: err.message };
  }
  send(res, response);
});

app.get('/v1/webhooks', async (req, res) => {
  const response = new Response(res);
  try {
    await oauth.authenticate(new Request(req), response, { scope: ['webhooks'] });
    res.set('cache-control', 'no-store').json({ data: [] });
  } catch (err) {
    res.status(err.code ?? 500).json({ error: err.name });
  }
});

const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ ready: true, base: `http://127.0.0.1:${port}` }) + '\n');
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
