#!/usr/bin/env node
// The project's launcher for @vercel/cosmosdb-server 1.0.1 (skeleton: corrections follow).
"use strict";
const path = require("path");
const lib = path.join(__dirname, "node_modules", "@vercel", "cosmosdb-server", "lib");
const { createHttpServer } = require(path.join(lib, "index.js"));

function parseArgs(argv) {
  const a = { host: "127.0.0.1", port: 0, region: "UK South", bare: false };
  for (let i = 0; i < argv.length; i += 1) {
    const k = argv[i];
    if (k === "--host") a.host = argv[++i];
    else if (k === "--port" || k === "-p") a.port = parseInt(argv[++i], 10);
    else if (k === "--region") a.region = argv[++i];
    else if (k === "--bare") a.bare = true;
    else { console.error(`cosmos-launcher: unknown argument ${k}`); process.exit(2); }
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
const server = createHttpServer({ keepAlive: !args.bare });
server.listen(args.port, args.host, () => {
  const { port } = server.address();
  console.log(`cosmos-launcher ready at http://${args.host}:${port}/ region="${args.region}"${args.bare ? " bare" : ""}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
}
