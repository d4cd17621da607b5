// The error classes whose behaviour is written by hand (error_base.js); errors.d.ts adds
// one class per kind of the core.

/** Base of every error the SDK throws. */
export declare class KontextError extends Error {
  /** The official SDK's code: `kontext_not_found`, `kontext_rate_limited`, ... */
  readonly code: string;
  /** HTTP status of an API error. */
  readonly statusCode?: number;
  /** The `x-request-id` of the answer: quote it when reporting a problem. */
  readonly requestId?: string;
  /** The error body: parsed JSON when it is JSON (`{ message, statusCode, error? }`), else text. */
  readonly body?: unknown;
  /** Seconds the server asked to wait before retrying (429, 503). */
  readonly retryAfter?: number;
}
/** The server answered with an error status. */
export declare class ApiError extends KontextError {
  readonly statusCode: number;
  /** Alias of `statusCode`. */
  readonly status: number;
  /** The scopes the credentials lack, when a 403's body lists them (`missingScopes`); empty otherwise. */
  readonly missingScopes: string[];
  /** What is wrong where, when a 422's body lists `diagnostics` (policy text that is not valid Cedar); empty otherwise. */
  readonly diagnostics: ErrorDiagnostic[];
}
/** One finding of an error body's `diagnostics`. */
export interface ErrorDiagnostic {
  /** `error` or `warning` (other values as sent). */
  severity?: string;
  message: string;
  /** The policy it is about (`policy0` is the first in the text). */
  policyId?: string;
  /** Byte offsets in the text the request sent. */
  start?: number;
  end?: number;
}
/** 400 */
export declare class BadRequest extends ApiError {
  /** Field-level messages of a validation failure, when the server sent a list. */
  readonly validationErrors?: string[];
}
