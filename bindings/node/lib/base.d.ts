// Declarations of the hand-written part of the package (lib/base.js); index.d.ts, generated
// from the API description, re-exports them and adds the models and namespaces.

import { KontextManagementClientOptions } from './options';
export { KontextManagementClientOptions };

/** Per-call options: the last argument of every method. */
export interface RequestOptions {
  /** Time for one attempt, in milliseconds. */
  timeout?: number;
  maxRetries?: number;
  /**
   * Cancels the call: the promise rejects with `signal.reason` (an `AbortError` by default)
   * and the request is dropped. For `listAll()`, cancels the page being fetched.
   */
  signal?: AbortSignalLike;
}

/** The part of `AbortSignal` the SDK uses (so no DOM or Node typings are required). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Plumbing shared by `KontextManagementClient`. */
export declare class BaseClient {
  constructor(options?: KontextManagementClientOptions);
  /** The host the client talks to (without `/api/v1`). */
  readonly baseUrl: string;
  /** Fetches a new access token now (client credentials only). */
  refreshToken(): Promise<void>;
  /** Forgets the cached access token: the next call fetches a new one. */
  clearToken(): void;
  /** A client sharing this one's connections and token, with other call defaults. */
  withOptions(options: Omit<RequestOptions, 'signal'>): this;
  toJSON(): { baseUrl: string; apiVersion: string; auth: 'token' | 'client credentials' };
}

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
}
/** 400 */
export declare class BadRequest extends ApiError {
  /** Field-level messages of a validation failure, when the server sent a list. */
  readonly validationErrors?: string[];
}
/** 401 */
export declare class Unauthorized extends ApiError {}
/** 403 */
export declare class Forbidden extends ApiError {}
/** 404 */
export declare class NotFound extends ApiError {}
/** 409 */
export declare class Conflict extends ApiError {}
/** 429: see `retryAfter`. */
export declare class RateLimited extends ApiError {}
/** 5xx */
export declare class ServerError extends ApiError {}
/** The request never got an answer (refused, reset, DNS, TLS). */
export declare class ConnectionError extends KontextError {}
/** The request timed out. */
export declare class TimeoutError extends KontextError {}
/** The server answered 2xx with a body that is not what the API describes. */
export declare class DecodeError extends KontextError {}
/** The arguments cannot be sent; nothing was sent. */
export declare class InvalidInput extends KontextError {}
/** A response body was larger than the client's limit for it (the message names the limit). */
export declare class ResponseTooLarge extends KontextError {}
