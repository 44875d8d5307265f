// Preloaded (node --import) into a CLI process under test: every name lookup fails as on a machine without
// DNS, so a command aimed at the real myPOS hosts fails as it would offline, and nothing leaves the machine.
import dns from 'node:dns';

dns.lookup = (hostname, options, callback) => {
  const cb = typeof options === 'function' ? options : callback;
  const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  process.nextTick(() => cb(err));
};
