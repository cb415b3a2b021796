/**
 * `npm run bench`: runs the benchmarks and prints Markdown tables. Options:
 *   --sizes 10000,100000   catalog sizes (default both)
 *   --db sqlite,postgres   databases (default both; PostgreSQL from TEST_DATABASE_URL)
 *   --only catalog,scaffolder,pipelines,environments,policy,metrics,assess  which benchmarks (default all)
 *   --events 1000000       delivery facts for the metrics benchmark
 * Results go in docs/benchmarks.md with the date and the machine.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { runAssessBench } from './assess/assess.bench.js';
import { runCatalogBench } from './catalog/catalog.bench.js';
import { runEnvironmentsBench } from './environments/environments.bench.js';
import { runMetricsBench } from './metrics/metrics.bench.js';
import { runPipelinesBench } from './pipelines/pipelines.bench.js';
import { runPolicyBench } from './policy/policy.bench.js';
import { runScaffolderBench } from './scaffolder/scaffolder.bench.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    db: { type: 'string', default: 'sqlite,postgres' },
    only: { type: 'string', default: 'catalog,scaffolder,pipelines,environments,policy,metrics,assess' },
    events: { type: 'string', default: '1000000' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const dbs = values.db.split(',') as Array<'sqlite' | 'postgres'>;
console.log(`# Gantry benchmarks, ${new Date().toISOString().slice(0, 10)}`);
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB`);
const only = new Set(values.only.split(','));
if (only.has('catalog')) await runCatalogBench({ sizes, dbs });
if (only.has('scaffolder')) await runScaffolderBench({ dbs });
if (only.has('pipelines')) await runPipelinesBench();
if (only.has('environments')) await runEnvironmentsBench();
if (only.has('policy')) await runPolicyBench();
if (only.has('metrics')) await runMetricsBench({ dbs, events: Number(values.events) });
if (only.has('assess')) await runAssessBench();
