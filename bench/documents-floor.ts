import { parseArgs } from 'node:util';
import { documentStatements } from './documents-sql.ts';

/**
 * The floor for the documents benchmark: the SQL Formgate runs for one create or one read, sent straight
 * through postgres.js by `--concurrency` workers, each looping for `--seconds` after a warm-up of its own.
 * Run as a process of its own (see documents.ts for why); prints one JSON line: requests, seconds, errors.
 */
const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    op: { type: 'string' },
    id: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    'warmup-seconds': { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '16' },
  },
});
const databaseUrl = values['database-url'];
const op = values.op;
const id = values.id;
if (databaseUrl === undefined || (op !== 'create' && op !== 'read') || (op === 'read' && id === undefined)) {
  throw new Error('usage: documents-floor.ts --database-url URL --op create|read [--id ID] [--seconds S] [--concurrency N]');
}

const statements = await documentStatements(databaseUrl);
const once =
  op === 'create'
    ? () => statements.create()
    : async () => {
        if ((await statements.read(id!)) === undefined) throw new Error('the benchmark document is missing');
      };

/** Every worker loops until the deadline; a failed statement is counted, not retried. */
async function loop(seconds: number, concurrency: number): Promise<{ requests: number; errors: number; seconds: number }> {
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        await once();
        requests++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests, errors, seconds: (performance.now() - started) / 1000 };
}

try {
  const concurrency = Number(values.concurrency);
  await loop(Number(values['warmup-seconds']), concurrency);
  const measured = await loop(Number(values.seconds), concurrency);
  process.stdout.write(JSON.stringify(measured) + '\n');
} finally {
  await statements.end();
}
