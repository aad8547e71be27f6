"use strict";
// ReadItem. The bare server dereferences the missing document and answers 500
// when the id is unknown or the partition key names another partition; Azure
// answers 404 NotFound. Also compares the partition key value properly (the
// bare loop reads only top-level fields and one index past the end).
const { ops } = require("./internals");
const { fail, NOT_FOUND } = require("./errors");
const { headerPartitionKey, collectionPaths, inPartition } = require("./partition");

module.exports = (account, req, res, { dbId, collId, docId }) => {
  const collection = account.database(dbId).collection(collId);
  const collData = collection.read();
  if (!collData) return fail(res, 404, NOT_FOUND);
  const values = headerPartitionKey(req);
  if (!values && collectionPaths(collData).length) {
    return fail(res, 400, "The partition key supplied in x-ms-partitionkey header has fewer components than defined in the the collection.");
  }
  const raw = values ? JSON.stringify(values) : JSON.stringify([docId]);
  const result = ops.readOperation(collection, { partitionKey: raw, id: docId });
  if (result.statusCode !== 200 || (values && !inPartition(collection, result.body, values)) || result.body.id !== docId) {
    return fail(res, 404, NOT_FOUND);
  }
  res.statusCode = 200;
  return result.body;
};
