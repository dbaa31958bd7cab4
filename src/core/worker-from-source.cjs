// Runs a worker written in TypeScript when Purser runs from source under tsx:
// tsx's hooks reach a worker thread only through require (piscina loads its
// .ts workers the same way). `workerData.entry` is the .ts file to run.
const { workerData } = require('node:worker_threads');
require(workerData.entry);
