import { describe, expect, it } from 'vitest';
import { appliesTo, capabilitiesOf, scanCi } from './index.js';
import { fixtureFiles, memoryFiles } from './testFiles.js';

describe('Azure Pipelines: fixtures/azure-dotnet', () => {
  const files = fixtureFiles('azure-dotnet');
  const { pipelines, problems } = scanCi(files);
  const p = pipelines[0]!;

  it('reads stages, jobs and deployment jobs; `condition: false` switches a stage or step off', () => {
    expect(problems).toEqual([]);
    expect([p.system, p.file, p.triggers]).toEqual(['azure-pipelines', 'azure-pipelines.yml', ['push']]);
    expect(p.jobs.map((j) => [j.name, j.evidence.line, j.active])).toEqual([
      ['Build/build', 25, true],
      ['Analyze/sonar', 57, false],
      ['Deploy/web', 67, true],
    ]);
    expect(p.jobs[1]!.inactiveReason).toBe('disabled: `condition: false` on stage Analyze (line 55)');
  });

  it('knows tasks, reads local templates and makes other repositories\' templates unknown', () => {
    expect(p.jobs[0]!.steps.map((s) => [s.name, s.kinds, s.unknown, s.evidence.file, s.evidence.line])).toEqual([
      ['#1', [], false, 'azure-pipelines.yml', 29],
      ['Build', ['build'], false, 'azure-pipelines.yml', 32],
      ['Test', ['test'], false, 'azure-pipelines.yml', 37],
      ['Format check', ['lint'], false, 'ci/lint-steps.yml', 2],
      ['#5', [], true, 'azure-pipelines.yml', 42],
      ['Build and push image', ['build', 'publish-image'], false, 'azure-pipelines.yml', 43],
    ]);
    expect(p.jobs[2]!.steps[0]).toMatchObject({ kinds: ['deploy'], evidence: { line: 73, excerpt: 'task: AzureWebAppContainer@1' } });
  });

  it('summarises: sast is only in a stage that never runs', () => {
    const caps = capabilitiesOf(pipelines);
    expect(caps.sast).toEqual({ state: 'unknown', evidence: [p.jobs[0]!.steps[4]!.evidence] });
    expect(caps.deploy.state).toBe('present');
  });

  it('applies by the trigger\'s path prefixes', () => {
    const more = memoryFiles({
      'azure-pipelines.yml': files.read('azure-pipelines.yml')!,
      'src/Orders/Orders.csproj': '<Project />',
      'tools/gen/gen.csproj': '<Project />',
    });
    const [q] = scanCi(more).pipelines;
    expect(appliesTo(q!, 'src/Orders', more)).toBe(true);
    expect(appliesTo(q!, 'tools/gen', more)).toBe(false);
  });
});

describe('Azure Pipelines: triggers and remote extends', () => {
  it('runs only manually with `trigger: none` and `pr: none`; a remote `extends` is unknown', () => {
    const { pipelines } = scanCi(
      memoryFiles({
        'services/api/azure-pipelines.yml': 'trigger: none\npr: none\nextends:\n  template: secure-pipeline.yml@templates\n',
        'services/api/go.mod': 'module api\n',
      }),
    );
    expect(pipelines[0]!.triggers).toEqual(['manual']);
    expect(pipelines[0]!.jobs[0]!.steps[0]).toMatchObject({ unknown: true, evidence: { line: 4 } });
  });
});
