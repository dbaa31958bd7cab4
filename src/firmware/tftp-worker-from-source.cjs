// Runs tftp-worker.ts when Purser runs from source under tsx: its hooks reach a
// worker thread only through require (piscina loads hash-worker.ts the same way).
const { workerData } = require('node:worker_threads');
require(workerData.entry);
