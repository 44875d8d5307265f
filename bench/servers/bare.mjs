// The ceiling: a bare node:http server answering every request with a fixed, token-shaped JSON body.
// Nothing any Node HTTP server does per request can cost less than this on the same machine.
import http from 'node:http';

const body = Buffer.from(JSON.stringify({
  access_token: 'bArEcEiLiNg0123456789abcdefghijklmnopqrstu'.slice(0, 42),
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'webhooks',
}));
const headers = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(body.length),
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

const server = http.createServer((req, res) => {
  // Read the body to its end, as a real endpoint would, then answer.
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, headers);
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ ready: true, base: `http://127.0.0.1:${port}` }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
