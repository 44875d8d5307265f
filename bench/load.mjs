// The load generator, run as a child process (pinned to core 1 by run.mjs when taskset exists) and driven
// over IPC: `issue` fills a token pool through a server's token endpoint; `run` does a warm-up, asks the
// parent for the go-ahead (the parent samples the server's CPU counters then), and runs the measured window.
import { createHash, createPrivateKey, randomUUID, sign } from 'node:crypto';
import autocannon from 'autocannon';

/**
 * A DPoP proof (RFC 9449 §4.2), made per request as a client would: a fresh jti, the current iat, and `ath`
 * for a resource call. ES256 over node:crypto, synchronous, so autocannon's setupRequest can make it.
 */
function dpopProof(dpop, token) {
  dpop.key ??= createPrivateKey({ key: dpop.privateJwk, format: 'jwk' });
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: dpop.publicJwk });
  const claims = { jti: randomUUID(), htm: dpop.htm, htu: dpop.htu, iat: Math.floor(Date.now() / 1000) };
  if (token !== undefined) claims.ath = createHash('sha256').update(token).digest('base64url');
  const input = `${header}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: dpop.key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function cannon(opts, onLatency) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ ...opts, timeout: 10 }, (err, result) => (err ? reject(err) : resolve(result)));
    // autocannon's own percentiles are whole milliseconds (its histogram's smallest unit is 1); at a p50 of
    // 3 ms that makes p99/p50 jump by 0.33 per millisecond. Each response's time comes as a float (hrtime);
    // like autocannon, only 2xx responses count.
    if (onLatency) instance.on('response', (_client, status, _bytes, ms) => { if (status >= 200 && status < 300) onLatency(ms); });
  });
}

/** Nearest-rank percentile of unsorted samples, ms to 0.01. */
function percentile(samples, p) {
  if (samples.length === 0) return undefined;
  const sorted = Float64Array.from(samples).sort();
  return Math.round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] * 100) / 100;
}

/** One autocannon `requests` entry; `vary` makes each request differ (token pools, wrong secrets). */
function requestsFor(spec, counter) {
  const { method, path, headers, body, vary } = spec;
  const base = { method, path, headers, body };
  if (!vary) return [base];
  const list = vary.list;
  return [{
    ...base,
    setupRequest(req) {
      const k = counter.n++;
      switch (vary.kind) {
        case 'bodyToken':
          return { ...req, body: `token=${list[k % list.length]}` };
        case 'bearer':
          return { ...req, headers: { ...req.headers, authorization: `Bearer ${list[k % list.length]}` } };
        case 'dpopProof':
          return { ...req, headers: { ...req.headers, dpop: dpopProof(vary.dpop) } };
        case 'dpopToken': {
          const token = list[k % list.length];
          return { ...req, headers: { ...req.headers, authorization: `DPoP ${token}`, dpop: dpopProof(vary.dpop, token) } };
        }
        case 'wrongSecret':
          // Every tenth request carries a wrong secret for one of many client ids.
          if (k % 10 !== 9) return req;
          return { ...req, headers: { ...req.headers, authorization: list[Math.floor(k / 10) % list.length] } };
        default:
          throw new Error(`unknown vary kind ${vary.kind}`);
      }
    },
  }];
}

function summary(r, latencies = []) {
  const total = r.requests.total;
  return {
    requests: total,
    seconds: r.duration,
    rps: total / r.duration,
    p50: percentile(latencies, 0.5) ?? r.latency.p50,
    p99: percentile(latencies, 0.99) ?? r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: r.statusCodeStats ?? {},
  };
}

async function issue({ url, headers, body, count, connections, dpop }) {
  const tokens = [];
  await cannon({
    url, connections, amount: count,
    requests: [{
      method: 'POST', headers, body,
      // A DPoP-bound pool: each token request carries a fresh proof of the bench client's key.
      ...(dpop ? { setupRequest: (req) => ({ ...req, headers: { ...req.headers, dpop: dpopProof(dpop) } }) } : {}),
      onResponse(status, resBody) {
        if (status === 200) tokens.push(JSON.parse(resBody).access_token);
      },
    }],
  });
  return tokens;
}

function waitFor(type) {
  return new Promise((resolve) => {
    const on = (m) => { if (m?.type === type) { process.off('message', on); resolve(m); } };
    process.on('message', on);
  });
}

async function run({ url, spec, connections, warmupS, durationS }) {
  const counter = { n: 0 };
  const common = { url, connections, requests: requestsFor(spec, counter) };
  if (warmupS > 0) await cannon({ ...common, duration: warmupS });
  process.send({ type: 'measure-ready' });
  await waitFor('go');
  const latencies = [];
  const r = await cannon({ ...common, duration: durationS }, (ms) => latencies.push(ms));
  // A pool of fresh tokens (revocation) must not wrap around: a second revocation of a token is a cheaper path.
  return { ...summary(r, latencies), poolWrapped: spec.vary?.fresh ? counter.n > spec.vary.list.length : undefined };
}

process.on('message', async (m) => {
  try {
    if (m.type === 'issue') process.send({ type: 'issued', tokens: await issue(m) });
    else if (m.type === 'run') process.send({ type: 'result', result: await run(m) });
    else if (m.type === 'exit') process.exit(0);
  } catch (err) {
    process.send({ type: 'error', message: String(err?.stack ?? err) });
  }
});
process.send({ type: 'up' });
