// `kontext-mgmt/testing`: the Kontext Management API emulator, in-process, for testing
// code that uses this SDK.
import { KontextError, KontextManagementClient, ServiceAccountWithCredentials } from './index';

/** Options of an emulator; every one is optional. */
export interface EmulatorOptions {
  /** A seed document: `applications`, `integrations`, `serviceAccounts`, `sessions`, `events`, `traces`, `policy`. */
  seed?: Record<string, unknown>;
  /** Fault injection: the `--faults` text (e.g. `"error_rate=0.5,seed=1"`) or the JSON object with a `script`. */
  faults?: string | Record<string, unknown>;
  /** Requests per minute per credential; off unless given. */
  rateLimit?: number;
  /** Lifetime of access tokens, in seconds. */
  tokenTtl?: number;
  /** Bootstrap service-account credentials (defaults: `DEFAULT_CLIENT_ID`, `DEFAULT_CLIENT_SECRET`). */
  clientId?: string;
  clientSecret?: string;
  /** Address to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Persist every object to this JSON file and reload it at start. */
  state?: string;
  /** Largest accepted request body, in bytes (larger: 413). */
  maxBodyBytes?: number;
  /** Seconds a client has to send a request's headers (also the idle keep-alive timeout). */
  headerTimeout?: number;
  /** Seconds a client has to send a request's body (else 408). */
  bodyTimeout?: number;
  /** Connections served at once. */
  maxConnections?: number;
  /** Longest body text kept per request in the request log. */
  logBodyBytes?: number;
  /** Memory ceiling of the request log, in bytes. */
  logMaxBytes?: number;
}

/** One entry of the request log. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: string | null;
  status: number;
  /** The JSON body (`null` without one; a large one is cut to `bodyPrefix`). */
  body: unknown;
  requestId: string | null;
  bodyBytes: number;
  bodyTruncated: boolean;
  bodyPrefix?: string;
  bodySha256?: string;
}

/** The emulator refused its options or an emulator-only call (e.g. an invalid seed). */
export declare class EmulatorError extends KontextError {
  readonly statusCode?: number;
}

/** An in-process Kontext Management API emulator on a free loopback port. */
export declare class Emulator {
  /** Starts one; resolves once it listens (and its seed is applied). */
  static start(options?: EmulatorOptions): Promise<Emulator>;
  constructor(options?: EmulatorOptions);
  /** `http://127.0.0.1:PORT`: the `baseUrl` of a client. */
  readonly baseUrl: string;
  readonly tokenUrl: string;
  /** The bootstrap service account's credentials. */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly running: boolean;
  /** A client for this emulator, authenticated as the bootstrap service account unless `options` say otherwise. */
  client(options?: ConstructorParameters<typeof KontextManagementClient>[0]): KontextManagementClient;
  /** Creates a service account through the API; its `credentials` work for a client. */
  createServiceAccount(name: string, description?: string): Promise<ServiceAccountWithCredentials>;
  /** The request log, oldest first (at most `limit`, at most 1000). */
  requests(limit?: number): LoggedRequest[];
  stats(): { tokensMinted: number; requests: Record<string, number> };
  seed(document: Record<string, unknown>): Record<string, number>;
  reset(): void;
  setFaults(faults: string | Record<string, unknown> | null): void;
  faults(): Record<string, unknown> | null;
  mintToken(options?: { scope?: string; clientId?: string; expiresIn?: number }): string;
  /** Stops it and frees its port and state; idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The emulator's option names (camelCase), as the native module describes them. */
export declare function emulatorOptions(): string[];
export declare const DEFAULT_CLIENT_ID: string;
export declare const DEFAULT_CLIENT_SECRET: string;
export default Emulator;
