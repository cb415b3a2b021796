import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatDuration, parseDuration, pipelineJsonSchema } from './schema.js';

const root = new URL('../../../', import.meta.url);

describe('pipelineJsonSchema', () => {
  it('is what docs/pipeline.schema.json holds (regenerate: see the comment on pipelineJsonSchema)', () => {
    const committed = readFileSync(new URL('docs/pipeline.schema.json', root), 'utf8');
    expect(committed).toBe(`${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`);
  });

  it('lets editors accept the golden paths files and flag unknown keys and bad steps', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(pipelineJsonSchema());
    const templates = new URL('templates/', root);
    const files = readdirSync(templates, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .map((t) => new URL(`${t}/skeleton/.gantry/pipeline.yaml`, templates));
    expect(files).toHaveLength(3);
    for (const file of files) expect(validate(parse(readFileSync(file, 'utf8'))), JSON.stringify(validate.errors)).toBe(true);

    expect(validate({ jobs: { a: { steps: [{ run: 'x' }], timout: '5m' } } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/jobs/a', params: { additionalProperty: 'timout' } });
    expect(validate({ jobs: { a: { steps: [{ run: 'x', uses: 'gantry/secret-scan@1' }] } } })).toBe(false);
    expect(validate({ jobs: { a: { steps: [{ run: 'x' }], timeout: '10 minutes' } } })).toBe(false);
  });
});

describe('durations', () => {
  it('reads s, m and h and writes the shortest exact form', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('0s')).toBeUndefined();
    expect(parseDuration('1.5h')).toBeUndefined();
    expect(parseDuration('90')).toBeUndefined();
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(900_000)).toBe('15m');
  });
});
