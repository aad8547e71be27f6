"use strict";
// Create, upsert and replace of a document whose partition key value differs
// from the x-ms-documentdb-partitionkey header: Azure answers 400 (substatus
// 1001); the bare server ignores the header and stores the document.
const { fail } = require("./errors");
const { headerPartitionKey, inPartition } = require("./partition");

module.exports = ({ readJSON }) => async (account, req, res, params) => {
  const values = headerPartitionKey(req);
  if (!values) return null;
  const collection = account.database(params.dbId).collection(params.collId);
  if (!collection.read()) return null;
  const body = await readJSON(req);
  if (body && typeof body === "object" && !Array.isArray(body) && !inPartition(collection, body, values)) {
    return fail(res, 400, "PartitionKey extracted from document doesn't match the one specified in the header. Learn more: https://aka.ms/CosmosDB/sql/errors/wrong-pk-value", 1001);
  }
  return null;
};
