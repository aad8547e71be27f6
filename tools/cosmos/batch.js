"use strict";
// Transactional batch (POST .../docs with x-ms-cosmos-is-batch-request).
//
// Bare server faults: operations other than Create parse a per-operation
// partition key the Go SDK never sends (it sends one in the header), so mixed
// batches answer 500; a failing operation leaves the earlier ones applied and
// the batch answers 200; Patch is refused.
//
// Azure: all operations run against the header's partition; if one fails,
// every earlier one is undone, the HTTP status is 207 Multi-Status, the failing
// operation carries its own status and every other one 424 Failed Dependency
// (azcosmos: Success = status != 207). At most 100 operations.
const { ops, patch, trueHeader } = require("./internals");
const { fail, NOT_FOUND, HTTPError } = require("./errors");
const { headerPartitionKey, inPartition } = require("./partition");
const { checkPatchCondition } = require("./patch");
const { wantsMinimal } = require("./minimal-response");

const MAX_OPERATIONS = 100;
const WRITES = new Set(["Create", "Upsert", "Replace", "Patch"]);

module.exports = ({ readJSON }) => async (account, req, res, { dbId, collId }) => {
  const body = await readJSON(req);
  const collection = account.database(dbId).collection(collId);
  if (!collection.read()) return fail(res, 404, NOT_FOUND);
  if (!Array.isArray(body) || body.length === 0) return fail(res, 400, "The batch request did not contain any operations.");
  if (body.length > MAX_OPERATIONS) return fail(res, 400, `Batch request has more operations than what is supported (${MAX_OPERATIONS}).`);
  const values = headerPartitionKey(req);
  if (!values) return fail(res, 400, "A batch request must specify the partition key in the x-ms-documentdb-partitionkey header.");
  const pkRaw = JSON.stringify(values);
  const atomic = trueHeader(req, "x-ms-cosmos-batch-atomic");
  const minimal = wantsMinimal(req);

  const undo = []; // {id, before} for every applied write, in order
  const results = [];
  let failed = -1;
  for (let i = 0; i < body.length; i += 1) {
    const op = body[i] || {};
    const type = op.operationType;
    const id = type === "Create" || type === "Upsert" ? (op.resourceBody || {}).id : op.id;
    let result;
    if (WRITES.has(type) && type !== "Patch" && op.resourceBody && !inPartition(collection, op.resourceBody, values)) {
      result = { statusCode: 400, body: { code: "BadRequest", message: "PartitionKey extracted from document doesn't match the one specified in the header." } };
    } else {
      const before = id === undefined ? undefined : collection.document(id, partitionValue(values, id)).read();
      const input = { ...op, partitionKey: pkRaw, ifMatch: op.ifMatch };
      result = run(collection, type, input, id);
      if (result.statusCode < 400 && type !== "Read") undo.push({ id, before });
    }
    if (result.statusCode >= 400) {
      results.push({ statusCode: result.statusCode, requestCharge: 1 });
      failed = i;
      if (atomic) break;
      continue;
    }
    const entry = { statusCode: result.statusCode, requestCharge: 1 };
    if (result.body && result.body._etag) entry.eTag = result.body._etag;
    if (result.body && !(minimal && WRITES.has(type))) entry.resourceBody = result.body;
    results.push(entry);
  }

  if (failed >= 0 && atomic) {
    for (let j = undo.length - 1; j >= 0; j -= 1) restore(collection, values, undo[j]);
    for (let i = 0; i < body.length; i += 1) {
      if (i !== failed) results[i] = { statusCode: 424, requestCharge: 0 };
    }
    res.statusCode = 207;
    return results;
  }
  res.statusCode = 200;
  return results;
};

function partitionValue(values, id) {
  const v = values[0];
  return v === undefined ? id : v;
}

function run(collection, type, input, id) {
  switch (type) {
    case "Create":
      return ops.createOperation(collection, input);
    case "Upsert":
      return ops.upsertOperation(collection, input);
    case "Read":
      return ops.readOperation(collection, { ...input, id });
    case "Delete":
      return ops.deleteOperation(collection, { ...input, id });
    case "Replace":
      if (input.resourceBody && input.resourceBody.id !== id) {
        return { statusCode: 400, body: { code: "BadRequest", message: "The id in the request body does not match the id in the operation." } };
      }
      return ops.replaceOperation(collection, input);
    case "Patch": {
      const spec = input.resourceBody || {};
      const operations = Array.isArray(spec) ? spec : spec.operations;
      if (!Array.isArray(operations)) return { statusCode: 400, body: { code: "BadRequest", message: "Invalid patch request." } };
      try {
        const doc = collection.document(id, partitionValue(JSON.parse(input.partitionKey), id)).read();
        if (doc && spec.condition && !checkPatchCondition(spec.condition, doc)) {
          return { statusCode: 412, body: { code: "PreconditionFailed", message: "Condition specified in the patch request is not satisfied." } };
        }
      } catch (e) {
        if (e instanceof HTTPError) return { statusCode: e.status, body: { code: "BadRequest", message: e.message } };
        throw e;
      }
      return patch.patchOperation(collection, { id, partitionKey: input.partitionKey, ifMatch: input.ifMatch, operations });
    }
    default:
      throw new HTTPError(400, `Operation type '${type}' is not supported in Batch.`);
  }
}

// restore puts back the document as it was before an applied operation: the
// same body, _etag, _rid and _ts, or no document at all.
function restore(collection, values, { id, before }) {
  const docs = collection.documents;
  const pv = partitionValue(values, id);
  if (collection.document(id, pv).read()) docs.delete(id, pv);
  if (before) docs._set(before);
}
