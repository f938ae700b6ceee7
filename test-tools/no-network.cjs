// Preloaded into every node process of the CDK example's synth (NODE_OPTIONS=--require ...):
// the CDK CLI, npx and the app. Any attempt to open a network connection or resolve a name is
// appended to the file named by NO_NETWORK_LOG and then fails, so that an attempt the CLI would
// swallow (a notices or version check, telemetry) is still seen. Local sockets (a path, as for
// IPC) are allowed.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');

const log = process.env.NO_NETWORK_LOG;

function refuse(what) {
  const line = `${process.pid} ${process.argv.slice(1).join(' ')}: ${what}\n`;
  if (log) fs.appendFileSync(log, line);
  const err = new Error(`no-network: ${what} refused (the CDK example must synthesize offline)`);
  err.code = 'ENETUNREACH';
  return err;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const isPath = typeof first === 'string' && Number.isNaN(Number(first))
    || (first && typeof first === 'object' && typeof first.path === 'string');
  if (isPath) return connect.apply(this, args);
  const where = first && typeof first === 'object' ? `${first.host ?? 'localhost'}:${first.port}` : `${args[1] ?? 'localhost'}:${first}`;
  const err = refuse(`connect to ${where}`);
  process.nextTick(() => this.destroy(err));
  return this;
};

for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  if (typeof dns[name] !== 'function') continue;
  dns[name] = function (host, ...rest) {
    const cb = rest.find((a) => typeof a === 'function');
    const err = refuse(`dns.${name} ${host}`);
    if (!cb) throw err;
    process.nextTick(() => cb(err));
  };
}
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  if (typeof dns.promises?.[name] !== 'function') continue;
  dns.promises[name] = async (host) => { throw refuse(`dns.promises.${name} ${host}`); };
}
