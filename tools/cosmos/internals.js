"use strict";
// The parts of @vercel/cosmosdb-server 1.0.1 the launcher reaches into. They are
// not a public API: keep every such require here, so a version bump shows at
// once what moved (the launcher fails at start, not mid-test).
const path = require("path");

const lib = path.join(__dirname, "..", "node_modules", "@vercel", "cosmosdb-server", "lib");
const req = rel => require(path.join(lib, rel));

const handlers = {};
for (const name of [
  "batch-documents",
  "create-document",
  "replace-document",
  "upsert-document",
  "patch-document",
  "query-documents",
  "read-document",
  "read-meta",
  "read-partition-key-ranges"
]) {
  handlers[name] = req(`handler/${name}.js`).default;
  if (typeof handlers[name] !== "function") throw new Error(`cosmosdb-server: handler ${name} not found`);
}

module.exports = {
  server: req("index.js"), // createHttpServer
  routes: req("routes.js"), // .default(req) -> [params, handler]; looked up per request
  json: req("json.js"), // .default(req) -> parsed body; looked up per call
  Documents: req("account/documents.js").default,
  Items: req("account/items.js").default,
  ops: req("handler/_document-operations.js"), // create/read/replace/upsert/deleteOperation
  patch: req("handler/_patch-operations.js"), // patchOperation
  readItems: req("handler/_read-items.js").default, // paging + SyntaxError -> 400
  pk: req("utils/get-partition-from-header.js"), // .default(req), .parsePartitionKey
  getValue: req("utils/get-value.js").default,
  trueHeader: req("true-header.js").default,
  query: require(require.resolve("@zeit/cosmosdb-query", { paths: [lib] })), // .default(sql), .SyntaxError
  handlers
};
