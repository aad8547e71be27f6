#!/usr/bin/env node
// The project's launcher for the local Cosmos DB server (@vercel/cosmosdb-server
// 1.0.1, pinned in package.json). It runs the server in this process, plain
// HTTP on loopback, with the corrections in ./cosmos/ that make it answer like
// Azure Cosmos DB where 1.0.1 does not (docs/local-services.md lists each).
//
//   node tools/cosmos-launcher.js [--host 127.0.0.1] [--port 8081] [--region "UK South"] [--bare]
//
// Prints one line, "cosmos-launcher ready at http://HOST:PORT/ region=...",
// when it accepts connections; exits 0 on SIGTERM/SIGINT. --bare runs the
// server uncorrected (and without keep-alive), for tests that show the faults.
"use strict";

function parseArgs(argv) {
  const a = { host: "127.0.0.1", port: 8081, region: "UK South", bare: false };
  for (let i = 0; i < argv.length; i += 1) {
    const k = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      i += 1;
      return argv[i];
    };
    if (k === "--host") a.host = next();
    else if (k === "--port" || k === "-p") a.port = Number(next());
    else if (k === "--region") a.region = next();
    else if (k === "--bare") a.bare = true;
    else if (k === "--help" || k === "-h") usage();
    else usage(`unknown argument ${k}`);
  }
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) usage("--port must be 0..65535");
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(a.host)) usage(`--host ${a.host}: loopback only`);
  if (!a.region.trim()) usage("--region must not be empty");
  return a;
}

function usage(msg) {
  if (msg) console.error(`cosmos-launcher: ${msg}`);
  console.error('usage: cosmos-launcher.js [--host 127.0.0.1] [--port 8081] [--region "UK South"] [--bare]');
  process.exit(msg ? 2 : 0);
}

const args = parseArgs(process.argv.slice(2));
const internals = require("./cosmos/internals");

const server = internals.server.createHttpServer({ keepAlive: !args.bare });
// Longer than any client's idle timeout (Go's default transport: 90 s), so the
// server never closes a connection the client is about to reuse.
server.keepAliveTimeout = args.bare ? 5000 : 120000;
server.headersTimeout = server.keepAliveTimeout + 5000;

server.on("error", err => {
  console.error(`cosmos-launcher: ${err.message}`);
  process.exit(1);
});
const endpoint = () => {
  const host = args.host.includes(":") ? `[${args.host}]` : args.host;
  return `http://${host}:${server.address().port}/`;
};
if (!args.bare) require("./cosmos/install").install({ region: args.region, endpoint });
server.listen(args.port, args.host, () => {
  console.log(`cosmos-launcher ready at ${endpoint()} region=${JSON.stringify(args.region)}${args.bare ? " (bare: uncorrected)" : ""}`);
});

let stopping = false;
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
