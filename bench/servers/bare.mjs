// The ceiling: a bare node:http server answering every request with a fixed, token-shaped JSON body.
// Nothing any Node HTTP server does per request can cost less than this on the same machine.
// WORKERS=2 (`bare-w2`): the same server as two cluster workers sharing the port, the way `serve --workers 2`
// runs: what a second process costs per request with no work at all.
import cluster from 'node:cluster';
import http from 'node:http';

const workers = Number(process.env.WORKERS ?? 1);
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

if (cluster.isPrimary && workers > 1) {
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (m) => {
      if (m?.ready && ++ready === workers) process.stdout.write(JSON.stringify({ ready: true, base: m.base }) + '\n');
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 500);
  });
} else {
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
    const ready = { ready: true, base: `http://127.0.0.1:${port}` };
    if (cluster.isPrimary) process.stdout.write(JSON.stringify(ready) + '\n');
    else process.send(ready);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
