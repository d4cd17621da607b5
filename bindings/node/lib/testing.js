'use strict';
// `kontext-mgmt/testing`: the Kontext Management API emulator, in-process, for testing code
// that uses this SDK. A thin layer over the native `NativeEmulator`: the options go to the
// emulator as one JSON object (its own description of them), the emulator-only routes
// through one `admin` call.

const { loadNative } = require('./native.js');
const { KontextError } = require('./error_base.js');
const { KontextManagementClient } = require('./generated.js');

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');
const NATIVE = Symbol('kontext-mgmt.emulator');

/** The emulator refused its options or an emulator-only call (e.g. an invalid seed). */
class EmulatorError extends KontextError {
  constructor(message, status) {
    super(message, { code: 'kontext_emulator', statusCode: status });
    this.name = 'EmulatorError';
  }
}

function defaults() {
  const [clientId, clientSecret] = loadNative().emulatorDefaults();
  return { clientId, clientSecret };
}

/** An in-process Kontext Management API emulator on a free loopback port. */
class Emulator {
  /**
   * Starts one. Every option is optional; see `EmulatorOptions` in testing.d.ts.
   * Resolves once it listens (and its seed is applied).
   */
  static async start(options) {
    return new Emulator(options);
  }

  constructor(options) {
    const { NativeEmulator } = loadNative();
    let json;
    try {
      json = JSON.stringify(options === undefined ? {} : options, (_k, v) => (v === undefined ? undefined : v));
    } catch (e) {
      throw new EmulatorError(`options: ${e.message}`);
    }
    let native;
    try {
      native = new NativeEmulator(json);
    } catch (e) {
      throw new EmulatorError(e.message);
    }
    Object.defineProperty(this, NATIVE, { value: native });
  }

  /** `http://127.0.0.1:PORT`: the `baseUrl` of a client (the API is under `/api/v1`). */
  get baseUrl() {
    return this[NATIVE].url;
  }

  get tokenUrl() {
    return `${this[NATIVE].url}/oauth2/token`;
  }

  /** The client id of the bootstrap service account (it can always mint tokens). */
  get clientId() {
    return this[NATIVE].clientId;
  }

  /** The client secret of the bootstrap service account. */
  get clientSecret() {
    return this[NATIVE].clientSecret;
  }

  get running() {
    return this[NATIVE].running;
  }

  /** A client for this emulator, authenticated as the bootstrap service account. */
  client(options) {
    const o = { baseUrl: this.baseUrl, ...(options || {}) };
    if (o.token === undefined && o.credentials === undefined) {
      o.credentials = { clientId: this.clientId, clientSecret: this.clientSecret };
    }
    return new KontextManagementClient(o);
  }

  /** Creates a service account through the API; its `credentials` work for a client. */
  async createServiceAccount(name, description) {
    return this.client().serviceAccounts.create(description === undefined ? { name } : { name, description });
  }

  _admin(method, route, body) {
    if (!this.running) throw new EmulatorError('the emulator is stopped');
    const reply = this[NATIVE].admin(method, route, body === undefined ? undefined : JSON.stringify(body));
    const data = reply.body ? JSON.parse(reply.body) : undefined;
    if (reply.status < 200 || reply.status >= 300) {
      throw new EmulatorError((data && data.message) || `status ${reply.status}`, reply.status);
    }
    return data;
  }

  /** The request log, oldest first (at most `limit` entries, at most 1000). */
  requests(limit = 1000) {
    return this._admin('GET', `requests?limit=${Math.trunc(Number(limit))}`).items;
  }

  /** `{ tokensMinted, requests: { 'GET /api/v1/applications': n, ... } }`. */
  stats() {
    return this._admin('GET', 'stats');
  }

  /** Merges a seed document into the state (all or nothing); the object counts. */
  seed(document) {
    return this._admin('POST', 'seed', document);
  }

  /** Back to an empty state (the bootstrap credential stays). */
  reset() {
    this._admin('POST', 'reset');
  }

  /** Replaces the fault configuration (`--faults` text or the JSON object); `null` clears it. */
  setFaults(faults) {
    this._admin('PUT', 'faults', faults === undefined ? null : faults);
  }

  /** The current fault configuration, or `null`. */
  faults() {
    return this._admin('GET', 'faults');
  }

  /** Mints an access token directly (e.g. one without `management:all` to test 403s). */
  mintToken(options) {
    return this._admin('POST', 'tokens', options || {}).access_token;
  }

  /** Stops it and frees its port and state; idempotent. */
  async stop() {
    this[NATIVE].stop();
  }

  async [Symbol.asyncDispose]() {
    await this.stop();
  }

  [inspectCustom]() {
    return `Emulator { ${this.running ? this.baseUrl : 'stopped'} }`;
  }

  toJSON() {
    return { baseUrl: this.running ? this.baseUrl : null };
  }
}

// Node 18/20 may lack the well-known symbol; `await using` needs it.
if (Symbol.asyncDispose === undefined) {
  Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('nodejs.asyncDispose') });
  Emulator.prototype[Symbol.asyncDispose] = Emulator.prototype.stop;
}

/** The emulator's option names, as the native module describes them. */
function emulatorOptions() {
  return loadNative().emulatorOptions();
}

module.exports = {
  Emulator,
  EmulatorError,
  emulatorOptions,
  get DEFAULT_CLIENT_ID() {
    return defaults().clientId;
  },
  get DEFAULT_CLIENT_SECRET() {
    return defaults().clientSecret;
  },
};
