'use strict';
// The behaviour of the SDK's errors: the base class, `ApiError` (the base of every status
// kind) and `BadRequest` (field-level messages). One class per kind of the core is generated
// on these into errors.js.

/** Base of every error the SDK throws. */
class KontextError extends Error {
  constructor(message, info) {
    super(message);
    const i = info || {};
    // The official SDK's code, e.g. `kontext_not_found`.
    this.code = i.code || 'kontext_error';
    // HTTP status, request id (`x-request-id`), error body (parsed JSON when it is JSON)
    // and the seconds to wait before retrying: set when known.
    if (i.statusCode !== undefined) this.statusCode = i.statusCode;
    if (i.requestId !== undefined) this.requestId = i.requestId;
    if (i.body !== undefined) this.body = i.body;
    if (i.retryAfter !== undefined) this.retryAfter = i.retryAfter;
  }
}

/** The server answered with an error status. */
class ApiError extends KontextError {
  constructor(message, info) {
    super(message, info);
    const scopes = info && Array.isArray(info.missingScopes) ? info.missingScopes : [];
    // The scopes the credentials lack, when a 403's body lists them (`missingScopes`).
    this.missingScopes = scopes;
    // What is wrong where, when a 422's body lists `diagnostics` (read and bounded by the
    // core; absent fields are left out).
    this.diagnostics = info && Array.isArray(info.diagnostics) ? info.diagnostics.map(diagnostic) : [];
  }

  /** Alias of `statusCode`. */
  get status() {
    return this.statusCode;
  }
}
function diagnostic(d) {
  const out = { message: d.message };
  for (const key of ['severity', 'policyId', 'start', 'end']) {
    if (d[key] !== null && d[key] !== undefined) out[key] = d[key];
  }
  return out;
}

class BadRequest extends ApiError {
  constructor(message, info) {
    super(message, info);
    const m = info && info.body && typeof info.body === 'object' ? info.body.message : undefined;
    /** Field-level messages of a validation failure (when the server gave a list). */
    this.validationErrors = Array.isArray(m) ? m : undefined;
  }
}

module.exports = { KontextError, ApiError, BadRequest };
