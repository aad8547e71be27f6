"use strict";
// Partition key helpers shared by the corrections.
const { pk } = require("./internals");
const { HTTPError } = require("./errors");

// headerPartitionKey returns the x-ms-documentdb-partitionkey values, or null
// when the request names no partition (absent, "[]", or the "[{}]" the Node SDK
// sends for "none").
function headerPartitionKey(req) {
  const raw = pk.default(req);
  if (raw === undefined || raw === "" || raw === "[]" || raw === "[{}]") return null;
  let v;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new HTTPError(400, `The partition key supplied in x-ms-documentdb-partitionkey header is not valid JSON: ${raw}`);
  }
  if (!Array.isArray(v)) v = [v];
  return v;
}

// collectionPaths returns the container's partition key paths as segment lists
// (["/officerId"] -> [["officerId"]]).
function collectionPaths(collData) {
  const paths = ((collData && collData.partitionKey) || {}).paths || [];
  return paths.filter(p => p !== "/_partitionKey").map(p => p.slice(1).split("/"));
}

// documentValue is the document's value at the container's (first) partition key path.
function documentValue(collection, doc) {
  return collection.documents._getPartition(doc);
}

// inPartition reports whether doc belongs to the partition named by values.
function inPartition(collection, doc, values) {
  const v = documentValue(collection, doc);
  const want = values[0];
  if (want === null) return v === null;
  return v === want;
}

module.exports = { headerPartitionKey, collectionPaths, documentValue, inPartition };
