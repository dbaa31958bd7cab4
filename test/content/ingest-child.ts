// Runs one ingest in its own process, for the power-cut test to SIGKILL.
// argv: <drive> <libraryDir> <publicKeyPemFile>. Prints each progress event as a JSON line.
import { readFile } from 'node:fs/promises';
import { ingestDrive } from '../../src/content/ingest.js';
import { ContentLibrary } from '../../src/content/library.js';
import { ContentWorkers } from '../../src/content/workers.js';

const [drive, dir, keyFile] = process.argv.slice(2) as [string, string, string];
const workers = new ContentWorkers({ maxThreads: 2 });
const library = await ContentLibrary.open({ dir, workers });
try {
  const r = await ingestDrive({ drive, publicKey: await readFile(keyFile, 'utf8'), library, workers, concurrency: 2, progressIntervalMs: 0 }, (p) =>
    process.stdout.write(`${JSON.stringify({ phase: p.phase, filesDone: p.filesDone })}\n`),
  );
  process.stdout.write(`${JSON.stringify({ result: r })}\n`);
} finally {
  await workers.close();
}
