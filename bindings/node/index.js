'use strict';
// kontext-mgmt: the Kontext Management API client for Node.js (native, Rust core).
const generated = require('./lib/generated.js');
const base = require('./lib/base.js');

module.exports = {
  KontextManagementClient: generated.KontextManagementClient,
  API_VERSION: generated.API_VERSION,
  OPERATIONS: generated.OPERATIONS,
  KontextError: base.KontextError,
  ApiError: base.ApiError,
  BadRequest: base.BadRequest,
  Unauthorized: base.Unauthorized,
  Forbidden: base.Forbidden,
  NotFound: base.NotFound,
  Conflict: base.Conflict,
  RateLimited: base.RateLimited,
  ServerError: base.ServerError,
  ConnectionError: base.ConnectionError,
  TimeoutError: base.TimeoutError,
  DecodeError: base.DecodeError,
  InvalidInput: base.InvalidInput,
  ResponseTooLarge: base.ResponseTooLarge,
};
// `import Client from 'kontext-mgmt'` in TypeScript/Babel output compiled to CommonJS.
module.exports.default = generated.KontextManagementClient;
Object.defineProperty(module.exports, '__esModule', { value: true });
