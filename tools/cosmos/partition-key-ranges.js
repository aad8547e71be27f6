"use strict";
// GET .../pkranges. The bare server gives the one range a numeric id (0);
// azcosmos decodes id as a string, so ReadManyItems (which routes by range)
// fails to unmarshal. Ids are strings on Azure.
module.exports = ({ original }) => async (account, req, res, params) => {
  const body = await original(account, req, res, params);
  if (body && Array.isArray(body.PartitionKeyRanges)) {
    body.PartitionKeyRanges = body.PartitionKeyRanges.map(r => ({ ...r, id: String(r.id), parents: (r.parents || []).map(String) }));
  }
  return body;
};
