// The framework floor: Fastify (the root package's own version) with a form-body parser and one route per
// endpoint answering the same fixed token-shaped JSON as the bare ceiling. No authentication, no storage:
// what mypos-auth costs above this row is its own work; what this row costs above the ceiling is Fastify's.
import Fastify from 'fastify';

const body = JSON.stringify({
  access_token: 'fAsTiFyFlOoR0123456789abcdefghijklmnopqrstu'.slice(0, 42),
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'webhooks',
});

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser(['application/x-www-form-urlencoded', 'application/json'], { parseAs: 'string', bodyLimit: 65536 }, (_req, raw, done) => done(null, raw));
const answer = async (_request, reply) => {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache').type('application/json; charset=utf-8');
  return body;
};
for (const url of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) app.post(url, answer);
app.get('/v1/webhooks', answer);
app.server.keepAliveTimeout = 60_000;
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ ready: true, base: address }) + '\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
