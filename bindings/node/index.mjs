// ESM entry point: the same objects as the CommonJS one (one module instance, so classes
// and `instanceof` agree whichever way the package is loaded).
import cjs from './index.js';

export const {
  KontextManagementClient,
  API_VERSION,
  OPERATIONS,
  KontextError,
  ApiError,
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  Conflict,
  RateLimited,
  ServerError,
  ConnectionError,
  TimeoutError,
  DecodeError,
  InvalidInput,
  ResponseTooLarge,
} = cjs;
export default KontextManagementClient;
