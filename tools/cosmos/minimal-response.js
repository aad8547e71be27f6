"use strict";
// Prefer: return=minimal. azcosmos sends it on every document write unless
// EnableContentResponseOnWrite is set, and Azure then answers with an empty body
// (ETag still in the header). The bare server always returns the document, so
// code that reads ItemResponse.Value after a write passes locally and gets
// nothing on Azure. Here the body is dropped the way Azure drops it.
function wantsMinimal(req) {
  const p = req.headers.prefer;
  return typeof p === "string" && /return=minimal/i.test(p);
}

// dropBody makes res send no body; the ETag header is kept.
function dropBody(res, body) {
  if (body && body._etag) res.setHeader("etag", body._etag);
  const end = res.end.bind(res);
  res.end = () => {
    res.removeHeader("content-type");
    res.setHeader("content-length", "0");
    return end();
  };
}

module.exports = { wantsMinimal, dropBody };
