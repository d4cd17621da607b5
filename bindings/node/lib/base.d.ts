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

export * from './errors';
