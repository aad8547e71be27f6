"use strict";
// Queries (POST .../docs with x-ms-documentdb-isquery).
//
// Bare server faults:
//  - a query sent with x-ms-documentdb-partitionkey runs over every partition
//    (the header is ignored); Azure runs it in that partition only;
//  - a cross-partition query with ORDER BY, TOP, aggregates, DISTINCT, GROUP BY
//    or OFFSET/LIMIT runs; Azure's gateway refuses it for the Go SDK, which has no
//    query-plan engine (azure-sdk-for-go#23128): 400 BadRequest, substatus 1004,
//    "The provided cross partition query can not be directly served by the gateway".
//
// A query without the header is single-partition when its WHERE pins every
// partition key path with "=" in a top-level AND (azcosmos docs: the gateway
// then executes it on that partition); otherwise it is cross-partition.
const { readItems, query, trueHeader } = require("./internals");
const { fail, NOT_FOUND } = require("./errors");
const { headerPartitionKey, collectionPaths, inPartition } = require("./partition");

const GATEWAY_REFUSAL =
  "The provided cross partition query can not be directly served by the gateway. This is a first chance (internal) exception that all newer clients will know how to handle gracefully. This exception is traced, but unless you see it bubble up as an exception (which only happens on older SDK clients), then you can safely ignore this message.";
const CROSS_PARTITION_DISABLED =
  "Cross partition query is required but disabled. Please set x-ms-documentdb-query-enablecrosspartition to true, specify x-ms-documentdb-partitionkey, or revise your query to avoid this exception.";
const AGGREGATES = new Set(["COUNT", "SUM", "MIN", "MAX", "AVG"]);

// stripLiterals blanks string literals and comments so keyword tests do not
// match inside them.
function stripLiterals(sql) {
  return sql.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|--[^\n]*/g, " ");
}

// unparsedFeatures finds, in text, the features the query parser of 1.0.1
// cannot parse at all (DISTINCT, GROUP BY, OFFSET/LIMIT); all need the gateway's
// cross-partition support.
function unparsedFeatures(sql) {
  const s = stripLiterals(sql);
  const found = [];
  if (/\bDISTINCT\b/i.test(s)) found.push("DISTINCT");
  if (/\bGROUP\s+BY\b/i.test(s)) found.push("GROUP BY");
  if (/\bOFFSET\b/i.test(s)) found.push("OFFSET/LIMIT");
  return found;
}

// clientSideFeatures lists what in a parsed query needs state across partitions.
function clientSideFeatures(ast) {
  const body = ast.body || {};
  const found = [];
  if (body.top) found.push("TOP");
  if (body.orderBy) found.push("ORDER BY");
  if (hasAggregate(body.select)) found.push("aggregate");
  return found;
}

function hasAggregate(node) {
  if (!node || typeof node !== "object") return false;
  if (node.type === "select_query" || (typeof node.type === "string" && node.type.includes("subquery"))) return false;
  if (node.type === "scalar_function_expression" && node.name && AGGREGATES.has(String(node.name.name).toUpperCase())) return true;
  return Object.values(node).some(v => (Array.isArray(v) ? v.some(hasAggregate) : hasAggregate(v)));
}

// memberPath turns c.a.b / c["a"]["b"] into ["a","b"] (root alias dropped).
function memberPath(node) {
  if (!node) return null;
  if (node.type === "identifier") return [];
  if (node.type !== "scalar_member_expression") return null;
  const head = memberPath(node.object);
  if (!head) return null;
  const p = node.property || {};
  const name = p.name !== undefined ? p.name : p.value;
  return typeof name === "string" ? [...head, name] : null;
}

const isValue = n => n && (n.type === "parameter_name" || /_constant$/.test(n.type || ""));

// pinnedPaths collects paths compared with "=" to a constant or parameter in
// the top-level AND chain of the WHERE clause.
function pinnedPaths(cond, out = []) {
  if (!cond || cond.type !== "scalar_binary_expression") return out;
  if (cond.operator === "AND") {
    pinnedPaths(cond.left, out);
    pinnedPaths(cond.right, out);
  } else if (cond.operator === "=") {
    const l = memberPath(cond.left);
    const r = memberPath(cond.right);
    if (l && isValue(cond.right)) out.push(l.join("/"));
    if (r && isValue(cond.left)) out.push(r.join("/"));
  }
  return out;
}

function singlePartition(ast, paths) {
  if (!paths.length) return true;
  const where = ast.body && ast.body.where;
  if (!where) return false;
  const pinned = new Set(pinnedPaths(where.condition));
  return paths.every(p => pinned.has(p.join("/")));
}

function refuse(res, features) {
  const body = fail(res, 400, `${GATEWAY_REFUSAL}\r\nActivityId: local, cosmos-launcher (needs ${features.join(", ")} across partitions)`, 1004);
  body.additionalErrorInfo = JSON.stringify({ partitionedQueryExecutionInfoVersion: 2, queryInfo: { needs: features } });
  return body;
}

module.exports = ({ readJSON }) => async (account, req, res, { dbId, collId }) =>
  readItems(req, res, "Documents", async ({ continuation, maxItemCount }) => {
    const body = await readJSON(req);
    if (!body || typeof body.query !== "string") return fail(res, 400, "The query body is missing or has no query text.");
    const collection = account.database(dbId).collection(collId);
    const collData = collection.read();
    if (!collData) return fail(res, 404, NOT_FOUND);
    const values = headerPartitionKey(req);
    const paths = collectionPaths(collData);

    let q;
    try {
      q = collection.documents._getQuery(body.query);
    } catch (e) {
      const features = unparsedFeatures(body.query);
      if (!values && paths.length && features.length) return refuse(res, features);
      if (e instanceof query.SyntaxError) return fail(res, 400, `Syntax error (the local server's parser): ${e.message}`);
      throw e;
    }
    if (!values && !singlePartition(q.ast, paths)) {
      if (!trueHeader(req, "x-ms-documentdb-query-enablecrosspartition")) return fail(res, 400, CROSS_PARTITION_DISABLED);
      const features = clientSideFeatures(q.ast);
      if (features.length) return refuse(res, features);
    }

    const docs = collection.documents;
    let data = [...docs._data.values()].map(item => item.read());
    if (values) data = data.filter(doc => inPartition(collection, doc, values));
    const compositeIndexes = (collData.indexingPolicy && collData.indexingPolicy.compositeIndexes) || [];
    try {
      return q.exec(data, { parameters: body.parameters, udf: docs._userDefinedFunctions(), maxItemCount, continuation, compositeIndexes });
    } catch (err) {
      return fail(res, 400, err.message);
    }
  });

module.exports.internal = { clientSideFeatures, unparsedFeatures, singlePartition };
