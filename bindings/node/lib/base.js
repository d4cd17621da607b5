'use strict';
// The hand-written, operation-agnostic part of the Node surface: the client plumbing, the
// error classes and the two generic entry points (`invoke`, `paginate`) that the generated
// namespace methods (lib/generated.js) call. Behaviour (auth, retries, timeouts, pagination,
// error decoding) lives in the Rust core; this file only translates values, errors and async.

const { loadNative } = require('./native.js');
const { CLIENT_OPTIONS } = require('./options.js');

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');
const NATIVE = Symbol('kontext-mgmt.native');
const INFO = Symbol('kontext-mgmt.info');
const CLIENT = Symbol('kontext-mgmt.client');
const DISPATCH = Symbol('kontext-mgmt.dispatch');
const MASK = '********';
const DEFAULT_BASE_URL = 'https://api.kontext.dev';

const { ERROR_CLASSES } = require('./errors.js');
const { KontextError, ApiError, DecodeError, InvalidInput } = ERROR_CLASSES;

function parseBody(text) {
  if (text === undefined || text === null || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The error class instance for a native error record. */
function toError(r) {
  const cls = ERROR_CLASSES[r.kind] || (r.status ? ApiError : KontextError);
  return new cls(r.detail || r.message, {
    code: r.code,
    statusCode: r.status === null ? undefined : r.status,
    requestId: r.requestId === null ? undefined : r.requestId,
    body: parseBody(r.body),
    retryAfter: r.retryAfter === null ? undefined : r.retryAfter,
    missingScopes: r.missingScopes,
    diagnostics: r.diagnostics,
  });
}

/** Errors thrown synchronously by the native module carry `Kind\0message`. */
function fromNativeThrow(e) {
  const text = e && typeof e.message === 'string' ? e.message : '';
  const at = text.indexOf('\u0000');
  if (at < 0) return e;
  const kind = text.slice(0, at);
  const cls = ERROR_CLASSES[kind] || KontextError;
  return new cls(text.slice(at + 1), { code: codeOf(kind) });
}

function codeOf(kind) {
  return kind === 'InvalidInput' ? 'kontext_invalid_input' : 'kontext_error';
}

function invalid(message) {
  return new InvalidInput(message, { code: 'kontext_invalid_input' });
}

// ---- checking and masking responses ------------------------------------------------------

const SHAPES = Object.create(null);

/** Called by lib/generated.js with the models a response is checked through. */
function registerShapes(table) {
  Object.assign(SHAPES, table);
}

function maskedInspector(fields) {
  return function inspectWithoutSecrets() {
    const copy = { ...this };
    for (const f of fields) {
      if (copy[f] !== undefined && copy[f] !== null) copy[f] = MASK;
    }
    return copy;
  };
}
const inspectors = new Map();

/** The longest part of an answer a DecodeError keeps as its body. */
const MAX_DECODE_BODY = 64 * 1024;

/**
 * Walks a decoded answer along its shape: a required field that is missing is a
 * `DecodeError` naming it (with the answer's text, bounded), never a silent `undefined`;
 * `null`, unknown values and extra keys pass as received. Secret fields are marked so that
 * `util.inspect` / `console.log` print them as `********` (the values stay readable and
 * `JSON.stringify` is unchanged: the marker is a non-enumerable symbol property).
 */
function checkShape(value, shape, text) {
  if (value === null || typeof value !== 'object') return;
  if (shape.endsWith('[]')) {
    if (Array.isArray(value)) for (const v of value) checkShape(v, shape.slice(0, -2), text);
    return;
  }
  if (shape.startsWith('{')) {
    const inner = shape.slice(1, -1);
    for (const k of Object.keys(value)) checkShape(value[k], inner, text);
    return;
  }
  const s = SHAPES[shape];
  if (!s) return;
  for (const f of s.required) {
    if (value[f] === undefined) {
      throw new DecodeError(`the answer's ${shape} has no \`${f}\`, a required field`, {
        code: 'kontext_decode_error',
        body: text.length > MAX_DECODE_BODY ? text.slice(0, MAX_DECODE_BODY) : text,
      });
    }
  }
  if (s.secret.length) {
    let fn = inspectors.get(shape);
    if (!fn) {
      fn = maskedInspector(s.secret);
      inspectors.set(shape, fn);
    }
    Object.defineProperty(value, inspectCustom, { value: fn, configurable: true, writable: true, enumerable: false });
  }
  for (const k in s.nested) checkShape(value[k], s.nested[k], text);
}

// ---- argument translation --------------------------------------------------------------

function pathArgs(path) {
  for (let i = 0; i < path.length; i++) {
    const v = path[i];
    if (typeof v === 'string') continue;
    if (v === undefined || v === null) path[i] = '';
    else if (typeof v === 'number' || typeof v === 'bigint') path[i] = String(v);
    else throw invalid(`path parameter ${i + 1} must be a string (got ${typeof v})`);
  }
  return path;
}

function queryArg(params) {
  if (params === undefined || params === null) return null;
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw invalid(`params must be an object of query parameters (got ${Array.isArray(params) ? 'an array' : typeof params})`);
  }
  return JSON.stringify(params);
}

function bodyArg(data) {
  if (data === undefined) return null;
  const text = JSON.stringify(data);
  return text === undefined ? null : text;
}

/** Per-call options: `[native options or null, AbortSignal or undefined]`. */
function optionsArg(options) {
  if (options === undefined || options === null) return NO_OPTIONS;
  if (typeof options !== 'object') throw invalid('options must be an object ({ timeout, maxRetries, signal })');
  const o = {};
  if (options.timeout !== undefined) {
    if (typeof options.timeout !== 'number' || !(options.timeout > 0)) {
      throw invalid('options.timeout must be a positive number of milliseconds');
    }
    o.timeout = options.timeout;
  }
  if (options.maxRetries !== undefined) {
    if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0) {
      throw invalid('options.maxRetries must be a non-negative integer');
    }
    o.maxRetries = options.maxRetries;
  }
  const signal = options.signal;
  if (signal !== undefined && signal !== null) {
    if (typeof signal !== 'object' || typeof signal.addEventListener !== 'function' || !('aborted' in signal)) {
      throw invalid('options.signal must be an AbortSignal');
    }
    o.cancellable = true;
    return [o, signal];
  }
  return [o.timeout === undefined && o.maxRetries === undefined ? null : o, undefined];
}
const NO_OPTIONS = [null, undefined];

// ---- pending native work -----------------------------------------------------------------

const noop = () => {};

/**
 * The promises of one client's native calls. The native module settles a call by calling
 * `settle(id, outcome)` (one threadsafe function per client, which does not keep the event
 * loop alive by itself); while any call is pending, an idle timer does.
 */
class Dispatcher {
  constructor() {
    this.pending = new Map();
    this.lastId = 0;
    this.timer = null;
    this.settle = (id, outcome) => {
      const resolve = this.pending.get(id);
      if (resolve === undefined) return;
      this.pending.delete(id);
      if (this.pending.size === 0) this.timer.unref();
      resolve(outcome);
    };
  }

  /**
   * Calls `start(id)` (which hands work to the native module) and waits for its outcome.
   * With an AbortSignal, an abort rejects at once with `signal.reason` and `cancel(id)`
   * drops the native work (and its HTTP request).
   */
  run(start, signal, cancel) {
    this.lastId = this.lastId >= 0xfffffffe ? 1 : this.lastId + 1;
    const id = this.lastId;
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      try {
        start(id);
      } catch (e) {
        reject(fromNativeThrow(e));
        return;
      }
      if (signal === undefined) {
        this.pending.set(id, resolve);
      } else {
        const onAbort = () => {
          if (!this.pending.delete(id)) return;
          if (this.pending.size === 0) this.timer.unref();
          cancel(id);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.pending.set(id, (outcome) => {
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        });
      }
      if (this.pending.size === 1) {
        if (this.timer === null) this.timer = setInterval(noop, 0x40000000);
        else this.timer.ref();
      }
    });
  }
}

// ---- generic entry points (called by the generated methods) -----------------------------

/** Calls one operation; resolves to the decoded body (`undefined` for 204). */
async function invoke(ns, opId, path, params, data, options, shape) {
  const client = ns[CLIENT];
  const native = client[NATIVE];
  const p = pathArgs(path);
  const q = queryArg(params);
  const b = bodyArg(data);
  const [o, signal] = optionsArg(options);
  const r = await client[DISPATCH].run((id) => native.call(id, opId, p, q, b, o), signal, (id) => native.cancel(id));
  if (typeof r !== 'string') throw toError(r);
  if (r === '') return undefined;
  const value = JSON.parse(r);
  if (shape !== undefined) checkShape(value, shape, r);
  return value;
}

/** Every item of a paginated operation, one page fetched at a time. */
function paginate(ns, opId, path, params, options, itemsField, shape) {
  const client = ns[CLIENT];
  return walk(client[NATIVE], client[DISPATCH], opId, path, params, options, itemsField, shape);
}

async function* walk(native, dispatch, opId, path, params, options, itemsField, shape) {
  let pager;
  const [o, signal] = optionsArg(options);
  try {
    pager = native.pager(opId, pathArgs(path), queryArg(params), o);
  } catch (e) {
    throw fromNativeThrow(e);
  }
  const cancel = (id) => pager.cancel(id);
  for (;;) {
    const r = await dispatch.run((id) => pager.nextPage(id), signal, cancel);
    if (typeof r !== 'string') throw toError(r);
    if (r === '') return;
    const page = JSON.parse(r);
    const items = page[itemsField];
    if (!Array.isArray(items)) {
      throw new DecodeError(`page of ${opId} has no \`${itemsField}\` list`, { code: 'kontext_decode_error' });
    }
    if (shape !== undefined) for (const item of items) checkShape(item, shape, r);
    for (const item of items) yield item;
  }
}

/** Base of the generated namespace classes (`client.applications`, ...). */
class Namespace {
  constructor(client) {
    Object.defineProperty(this, CLIENT, { value: client });
  }
  [inspectCustom]() {
    return `${this.constructor.name} {}`;
  }
}

// ---- the client ------------------------------------------------------------------------

const FROM = Symbol('kontext-mgmt.from');

/** The checks of option values by kind (the table of options is generated: options.js). */
const CHECKS = {
  string(v, key) {
    if (typeof v !== 'string') throw invalid(`${key} must be a string`);
    return v;
  },
  strings(v, key) {
    const s = typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : v;
    if (!Array.isArray(s) || !s.every((x) => typeof x === 'string')) throw invalid(`${key} must be an array of strings`);
    return s;
  },
  millis(v, key) {
    if (typeof v !== 'number' || !(v > 0)) throw invalid(`${key} must be a positive number of milliseconds`);
    return v;
  },
  count(v, key) {
    if (!Number.isInteger(v) || v < 0) throw invalid(`${key} must be a non-negative integer`);
    return v;
  },
  size(v, key) {
    if (!Number.isSafeInteger(v) || v < 1) throw invalid(`${key} must be a positive integer`);
    return v;
  },
};

/** The options of the constructor as the native client takes them (flat, checked). */
function nativeOptions(options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw invalid('options must be an object');
  const groups = { credentials: options.credentials };
  if (groups.credentials !== undefined && groups.credentials !== null && typeof groups.credentials !== 'object') {
    throw invalid('credentials must be { clientId, clientSecret }');
  }
  const o = {};
  for (const { key, kind, group } of CLIENT_OPTIONS) {
    const source = group === undefined ? options : groups[group];
    const v = source === undefined || source === null ? undefined : source[key];
    if (v !== undefined && v !== null) o[key] = CHECKS[kind](v, key);
  }
  return o;
}

/** The URL with any password in it masked (for `baseUrl`, inspect and JSON). */
function redactUrl(url) {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return url;
  }
}

function describe(o) {
  const env = (k) => (process.env[k] ? process.env[k] : undefined);
  const auth = o.token || (!o.clientId && env('KONTEXT_TOKEN')) ? 'token' : 'client credentials';
  return {
    baseUrl: redactUrl((o.baseUrl || env('KONTEXT_BASE_URL') || DEFAULT_BASE_URL).replace(/\/+$/, '')),
    apiVersion: o.apiVersion || 'v1',
    auth,
  };
}

/** Client plumbing shared by the generated `KontextManagementClient`. */
class BaseClient {
  constructor(options) {
    let native;
    let info;
    let dispatch;
    if (options && options[FROM]) {
      ({ native, info, dispatch } = options[FROM]);
    } else {
      const o = nativeOptions(options);
      const { NativeClient } = loadNative();
      dispatch = new Dispatcher();
      try {
        native = new NativeClient(o, dispatch.settle);
      } catch (e) {
        throw fromNativeThrow(e);
      }
      info = describe(o);
    }
    Object.defineProperty(this, NATIVE, { value: native });
    Object.defineProperty(this, DISPATCH, { value: dispatch });
    Object.defineProperty(this, INFO, { value: Object.freeze(info) });
  }

  /** The host the client talks to (without `/api/v1`). */
  get baseUrl() {
    return this[INFO].baseUrl;
  }

  /** Fetches a new access token now (client credentials only; a static token is kept). */
  async refreshToken() {
    const native = this[NATIVE];
    const r = await this[DISPATCH].run((id) => native.refreshToken(id));
    if (typeof r !== 'string') throw toError(r);
  }

  /** Forgets the cached access token: the next call fetches a new one. */
  clearToken() {
    this[NATIVE].clearToken();
  }

  /**
   * A client sharing this one's connections and token, with other defaults for every call:
   * `client.withOptions({ timeout: 5000, maxRetries: 0 })`.
   */
  withOptions(options) {
    const [o, signal] = optionsArg(options);
    if (signal !== undefined) throw invalid('withOptions takes { timeout, maxRetries }; pass a signal per call');
    if (o === null) return this;
    let native;
    try {
      native = this[NATIVE].withOptions(o);
    } catch (e) {
      throw fromNativeThrow(e);
    }
    return new this.constructor({ [FROM]: { native, info: this[INFO], dispatch: this[DISPATCH] } });
  }

  toJSON() {
    return { ...this[INFO] };
  }

  [inspectCustom](_depth, opts, inspect) {
    const body = inspect ? inspect({ ...this[INFO] }, opts) : JSON.stringify(this[INFO]);
    return `${this.constructor.name} ${body}`;
  }
}

module.exports = {
  BaseClient,
  Namespace,
  invoke,
  paginate,
  registerShapes,
  ...ERROR_CLASSES,
};
