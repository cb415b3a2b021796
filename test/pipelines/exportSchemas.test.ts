import { readFileSync, readdirSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  builtInStandardPipelines,
  fromGithubActions,
  fromGitlabCi,
  renderPipeline,
  resolvePipelineText,
  toGithubActions,
  toGitlabCi,
  type EffectivePipeline,
} from '../../src/pipelines/model/index.js';

/**
 * Every pipeline Gantry ships or generates exports to a GitHub Actions workflow and a .gitlab-ci.yml that their
 * published schemas accept (fixtures/schemas/README.md), and reads back to the same jobs, steps, needs and conditions.
 */

const root = new URL('../../', import.meta.url);
const schemas = new URL('fixtures/schemas/', import.meta.url);

function validator(file: string): ValidateFunction {
  // The schemas are draft-07; they use keywords ajv's strict mode rejects, and ajv-formats is not installed.
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(new URL(file, schemas), 'utf8')) as object);
}

const github = validator('github-workflow.json');
const gitlab = validator('gitlab-ci.json');

const templates = readdirSync(new URL('templates/', root), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const cases: Array<[string, string]> = [
  ...builtInStandardPipelines()
    .refs()
    .map((ref): [string, string] => [`${ref} as it is`, `extends: ${ref}\n`]),
  ...templates.map((t): [string, string] => [
    `the ${t} golden path`,
    readFileSync(new URL(`templates/${t}/skeleton/.gantry/pipeline.yaml`, root), 'utf8'),
  ]),
  ['a team pipeline using most of the format', readFileSync(new URL('fixtures/orders-api.pipeline.yaml', import.meta.url), 'utf8')],
];

function sameShape(p: EffectivePipeline, opts: { names: boolean; stepTimeouts: boolean }) {
  return p.jobs.map((j) => ({
    id: j.id,
    name: opts.names ? j.name : undefined,
    needs: j.needs,
    if: j.if,
    env: j.env,
    steps: j.steps.map((s) => ({ ...s, timeoutMs: opts.stepTimeouts ? s.timeoutMs : undefined })),
  }));
}

describe('exports of the standard pipelines, the golden paths and a full team pipeline', () => {
  it('covers every standard pipeline and golden path', () => {
    expect(builtInStandardPipelines().refs()).toEqual(['gantry/node-service@1', 'gantry/python-service@1', 'gantry/static-site@1']);
    expect(templates).toEqual(['node-service', 'python-service', 'static-site']);
  });

  describe.each(cases)('%s', (_label, text) => {
    const resolved = resolvePipelineText(text, '.gantry/pipeline.yaml');
    const pipeline = resolved.pipeline!;

    it('parses and resolves without errors, and renders', () => {
      expect(resolved.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
      expect(parse(renderPipeline(pipeline))).toMatchObject({ name: pipeline.name });
    });

    it('exports a workflow the GitHub Actions schema accepts, and reads it back', () => {
      const out = toGithubActions(pipeline);
      expect(github(parse(out)), JSON.stringify(github.errors, null, 2)).toBe(true);
      expect(sameShape(fromGithubActions(out), { names: true, stepTimeouts: true })).toEqual(
        sameShape(pipeline, { names: true, stepTimeouts: true }),
      );
    });

    it('exports a .gitlab-ci.yml the GitLab CI schema accepts, and reads it back', () => {
      const out = toGitlabCi(pipeline);
      expect(gitlab(parse(out)), JSON.stringify(gitlab.errors, null, 2)).toBe(true);
      expect(sameShape(fromGitlabCi(out), { names: false, stepTimeouts: false })).toEqual(
        sameShape(pipeline, { names: false, stepTimeouts: false }),
      );
    });
  });

  it('is checked by schemas that do reject what is wrong', () => {
    expect(github({ on: 'push', jobs: { 'bad key': { 'runs-on': 'x', steps: [{ run: 'x' }] } } })).toBe(false);
    expect(gitlab({ build: { script: ['x'], timeout: 5 } })).toBe(false);
  });
});
