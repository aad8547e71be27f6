"use strict";
// ETags. Azure's _etag (and ETag header) is a quoted opaque string,
// "\"00000000-0000-0000-...\"", and If-Match must carry it quoted. The bare
// server uses a bare UUID, so code that builds or compares ETags itself passes
// locally and fails on Azure. Documents are stored with a quoted _etag, which
// the bare handlers then put in the ETag header and compare with If-Match as-is.
const { Documents, Items } = require("./internals");
const ttl = require("./ttl");

function install() {
  Documents.prototype._set = function setQuoted(data) {
    if (typeof data._etag === "string" && !data._etag.startsWith('"')) data._etag = `"${data._etag}"`;
    const out = Items.prototype._set.call(this, data);
    ttl.track(this, data);
    return out;
  };
}

module.exports = { install };
