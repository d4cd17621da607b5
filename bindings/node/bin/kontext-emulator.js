#!/usr/bin/env node
'use strict';
// `kontext-emulator`: the Kontext Management API emulator on a port, until SIGINT/SIGTERM.
// The arguments, the server and what it prints are the Rust program's (one implementation);
// only the wait for a signal is Node's, since Node owns the process's signal handlers.
const { loadNative } = require('../lib/native.js');

const native = loadNative();
const argv = ['kontext-emulator', ...process.argv.slice(2)];
const exit = native.emulatorCliExit(argv);
if (exit) {
  (exit.status === 0 ? process.stdout : process.stderr).write(exit.output);
  process.exitCode = exit.status;
} else {
  let emulator;
  try {
    emulator = native.NativeEmulator.fromArgs(argv);
  } catch (e) {
    process.stderr.write(`kontext-emulator: error: ${e.message}\n`);
    process.exit(1);
  }
  // The server runs on the native runtime's threads; this timer keeps Node alive meanwhile.
  const alive = setInterval(() => {}, 1 << 30);
  const stop = () => {
    clearInterval(alive);
    emulator.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Last: whoever reads the first line may signal at once.
  process.stdout.write(emulator.banner());
}
