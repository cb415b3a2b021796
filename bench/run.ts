/**
 * `npm run bench`: runs the benchmarks and prints Markdown tables. Options:
 *   --sizes 10000,100000   catalog sizes (default both)
 *   --db sqlite,postgres   databases (default both; PostgreSQL from TEST_DATABASE_URL)
 * Results go in docs/benchmarks.md with the date and the machine.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { runCatalogBench } from './catalog/catalog.bench.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '10000,100000' }, db: { type: 'string', default: 'sqlite,postgres' } },
});
const sizes = values.sizes.split(',').map(Number);
const dbs = values.db.split(',') as Array<'sqlite' | 'postgres'>;
console.log(`# Gantry benchmarks, ${new Date().toISOString().slice(0, 10)}`);
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB`);
await runCatalogBench({ sizes, dbs });
