"use strict";
// Time to live. The bare server stores defaultTtl and per-item ttl and never
// expires anything. Cosmos semantics:
//   container defaultTtl absent/null -> nothing expires (item ttl ignored);
//   container -1  -> items live unless they carry ttl n > 0;
//   container n>0 -> items expire n s after their last write (_ts), unless
//                    they carry ttl -1 (never) or their own n > 0.
// Azure deletes expired items in the background but never returns them once
// expired, so here they are removed before any request touches their
// container. The next expiry is tracked so a request only scans when
// something is due.
const { Documents, Items } = require("./internals");

function itemTtl(collData, doc) {
  const def = collData ? collData.defaultTtl : undefined;
  if (def === undefined || def === null) return null;
  const t = doc.ttl !== undefined && doc.ttl !== null ? doc.ttl : def;
  return typeof t === "number" && t > 0 ? t : null;
}

const expiry = (collData, doc) => {
  const t = itemTtl(collData, doc);
  return t === null ? null : doc._ts + t;
};

// track records a written document's expiry (called from Documents._set).
function track(documents, doc) {
  const collData = documents._parent.read();
  if (!collData || documents.bwvTtlSeen !== collData.defaultTtl) return; // a rescan is due anyway
  const e = expiry(collData, doc);
  if (e !== null && !(documents.bwvNextExpiry <= e)) documents.bwvNextExpiry = e;
}

// purge removes the expired documents of collection, if any are due.
function purge(collection, nowSeconds = Date.now() / 1000) {
  const collData = collection.read();
  if (!collData) return;
  const docs = collection.documents;
  if (docs.bwvTtlSeen !== collData.defaultTtl || docs.bwvTtlSeen === undefined) {
    docs.bwvTtlSeen = collData.defaultTtl;
    docs.bwvNextExpiry = -Infinity; // TTL setting changed (or first look): rescan
  }
  if (collData.defaultTtl === undefined || collData.defaultTtl === null) return;
  if (!(nowSeconds >= docs.bwvNextExpiry)) return;
  let next = Infinity;
  for (const item of [...docs._data.values()]) {
    const doc = item.read();
    const e = expiry(collData, doc);
    if (e === null) continue;
    if (nowSeconds >= e) docs.delete(doc.id, docs._getPartition(doc));
    else if (e < next) next = e;
  }
  docs.bwvNextExpiry = next;
}

module.exports = { purge, track, itemTtl, Items, Documents };
