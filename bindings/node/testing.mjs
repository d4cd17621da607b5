// ESM entry point of `kontext-mgmt/testing` (the same objects as the CommonJS one).
import cjs from './lib/testing.js';

export const { Emulator, EmulatorError, emulatorOptions, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } = cjs;
export default Emulator;
