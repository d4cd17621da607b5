'use strict';
// kontext-mgmt: the Kontext Management API client for Node.js (native, Rust core).
const generated = require('./lib/generated.js');
const { ERROR_CLASSES } = require('./lib/errors.js');

module.exports = {
  KontextManagementClient: generated.KontextManagementClient,
  API_VERSION: generated.API_VERSION,
  OPERATIONS: generated.OPERATIONS,
  ...ERROR_CLASSES,
};
// `import Client from 'kontext-mgmt'` in TypeScript/Babel output compiled to CommonJS.
module.exports.default = generated.KontextManagementClient;
Object.defineProperty(module.exports, '__esModule', { value: true });
