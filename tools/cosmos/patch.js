"use strict";
// PatchItem conditions ("from c where c.status = 'received'"). The bare server
// lower-cases the whole condition before evaluating it, so a condition on a
// camelCase field (c.officerId, c.retainUntil) or with a mixed-case string
// literal is never true and the patch answers 412. It also evaluates the
// condition across every partition by id. Here the condition is evaluated, case
// intact, against the one document being patched.
const { query, pk } = require("./internals");
const { HTTPError, fail, NOT_FOUND } = require("./errors");
const { headerPartitionKey } = require("./partition");

function conditionQuery(condition) {
  const c = String(condition).trim();
  if (/^select\b/i.test(c)) return c;
  if (/^from\b/i.test(c)) return `SELECT * ${c}`;
  if (/^where\b/i.test(c)) return `SELECT * FROM c ${c}`;
  return `SELECT * FROM c WHERE ${c}`;
}

// checkPatchCondition reports whether doc satisfies the patch condition; an
// unparseable condition is a 400, as on Azure.
function checkPatchCondition(condition, doc) {
  let result;
  try {
    result = query.default(conditionQuery(condition)).exec([doc], {});
  } catch (e) {
    throw new HTTPError(400, `Invalid condition in patch request: ${e.message}`);
  }
  return Array.isArray(result.result) && result.result.length > 0;
}

// handler wraps the bare patch handler: it evaluates the condition itself and
// hands the bare handler the operations without it.
const handler = ({ readJSON, original }) => async (account, req, res, params) => {
  const body = await readJSON(req);
  if (body && !Array.isArray(body) && body.condition !== undefined && body.condition !== null) {
    const collection = account.database(params.dbId).collection(params.collId);
    if (!collection.read()) return fail(res, 404, NOT_FOUND);
    const values = headerPartitionKey(req);
    const raw = pk.default(req);
    const doc = values ? collection.document(params.docId, pk.parsePartitionKey(raw, params.docId)).read() : undefined;
    if (doc && !checkPatchCondition(body.condition, doc)) {
      return fail(res, 412, "Condition specified in the patch request is not satisfied.");
    }
    const { condition, ...rest } = body; // eslint-disable-line no-unused-vars
    req.bwvBody = rest;
  }
  return original(account, req, res, params);
};

module.exports = { checkPatchCondition, handler };
