"use strict";
// install wires the corrections into the bare server: every routed request goes
// through one wrapper (TTL purge, partition-key checks on writes, the
// corrected handler if there is one, Prefer: return=minimal, Azure-shaped
// errors). The bare server looks its route table and JSON body reader up on
// every request, which is what makes the in-process wrapping possible.
const internals = require("./internals");
const { fail, fillErrorBody, HTTPError } = require("./errors");
const ttl = require("./ttl");
const etag = require("./etag");
const account = require("./account");
const readItem = require("./read-item");
const batch = require("./batch");
const query = require("./query");
const patch = require("./patch");
const pkRanges = require("./partition-key-ranges");
const writeChecks = require("./write-checks");
const { wantsMinimal, dropBody } = require("./minimal-response");

function install({ region, endpoint }) {
  const h = internals.handlers;

  const bareJSON = internals.json.default;
  internals.json.default = async req => (req.bwvBody !== undefined ? req.bwvBody : bareJSON(req));
  async function readJSON(req) {
    if (req.bwvBody === undefined) {
      try {
        req.bwvBody = await bareJSON(req);
      } catch (e) {
        throw new HTTPError(400, `The request body is not valid JSON: ${e.message}`);
      }
    }
    return req.bwvBody;
  }

  etag.install();

  const corrected = new Map([
    [h["read-meta"], account({ region, endpoint })],
    [h["read-document"], readItem],
    [h["batch-documents"], batch({ readJSON })],
    [h["query-documents"], query({ readJSON })],
    [h["patch-document"], patch.handler({ readJSON, original: h["patch-document"] })],
    [h["read-partition-key-ranges"], pkRanges({ original: h["read-partition-key-ranges"] })]
  ]);
  const checked = new Set([h["create-document"], h["upsert-document"], h["replace-document"]]);
  const documentWrites = new Set([h["create-document"], h["upsert-document"], h["replace-document"], h["patch-document"]]);
  const checkWrite = writeChecks({ readJSON });

  const wrap = bare => async (acct, req, res, params) => {
    try {
      if (params.dbId !== undefined && params.collId !== undefined) {
        ttl.purge(acct.database(params.dbId).collection(params.collId));
      }
      if (checked.has(bare)) {
        const refused = await checkWrite(acct, req, res, params);
        if (refused) return refused;
      }
      const body = await (corrected.get(bare) || bare)(acct, req, res, params);
      if (documentWrites.has(bare) && res.statusCode < 300 && wantsMinimal(req)) dropBody(res, body);
      return fillErrorBody(res, body);
    } catch (e) {
      if (e instanceof HTTPError) return fail(res, e.status, e.message, e.substatus);
      if (/Failed to parse x-ms-documentdb-partitionkey/.test(e.message)) return fail(res, 400, e.message);
      throw e;
    }
  };

  const wrapped = new Map();
  const bareRoute = internals.routes.default;
  internals.routes.default = req => {
    const r = bareRoute(req);
    if (!r) return r;
    const [params, handler] = r;
    if (!wrapped.has(handler)) wrapped.set(handler, wrap(handler));
    return [params, wrapped.get(handler)];
  };
}

module.exports = { install };
