"use strict";
// Error bodies in the shape Azure Cosmos DB answers ({code, message}), which
// azcore.ResponseError reads into ErrorCode. A launcher handler returns
// fail(res, status, message, substatus) from a route handler.

const CODES = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  412: "PreconditionFailed",
  413: "RequestEntityTooLarge",
  424: "FailedDependency",
  429: "TooManyRequests",
  500: "InternalServerError"
};

const NOT_FOUND = "Entity with the specified id does not exist in the system. More info: https://aka.ms/cosmosdb-tsg-not-found";

function fail(res, status, message, substatus) {
  res.statusCode = status;
  if (substatus !== undefined) res.setHeader("x-ms-substatus", String(substatus));
  return { code: CODES[status] || "Error", message };
}

// fillErrorBody gives an error answer of the underlying server the Azure shape:
// it often answers {} or {message: ""} with no code.
function fillErrorBody(res, body) {
  if (res.statusCode < 400 || !body || typeof body !== "object" || Array.isArray(body)) return body;
  if (!body.code) body.code = CODES[res.statusCode] || "Error";
  if (!body.message) body.message = res.statusCode === 404 ? NOT_FOUND : body.code;
  return body;
}

class HTTPError extends Error {
  constructor(status, message, substatus) {
    super(message);
    this.status = status;
    this.substatus = substatus;
  }
}

module.exports = { fail, fillErrorBody, HTTPError, NOT_FOUND, CODES };
