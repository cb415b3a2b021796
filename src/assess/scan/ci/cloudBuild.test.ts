import { describe, expect, it } from 'vitest';
import { capabilitiesOf, scanCi } from './index.js';
import { fixtureFiles } from './testFiles.js';

describe('Cloud Build: fixtures/cloudbuild-go', () => {
  const { pipelines, problems } = scanCi(fixtureFiles('cloudbuild-go'));

  it('classifies steps by builder, entrypoint and args, and pushes `images`', () => {
    expect(problems).toEqual([]);
    const p = pipelines[0]!;
    expect([p.system, p.file, p.triggers]).toEqual(['cloud-build', 'cloudbuild.yaml', ['push']]);
    expect(p.jobs[0]!.steps.map((s) => [s.name, s.kinds, s.evidence.line])).toEqual([
      ['test', ['test'], 2],
      ['vet', ['lint'], 6],
      ['image', ['build'], 9],
      ['deploy', ['deploy'], 12],
      ['images', ['publish-image'], 21],
    ]);
    expect(p.jobs[0]!.steps[2]!.evidence.excerpt).toBe('gcr.io/cloud-builders/docker build -t europe-docker.pkg.dev/$PROJECT_ID/apps/catalog:$SHORT_SHA .');
    expect(capabilitiesOf(pipelines)['dependency-scan'].state).toBe('absent');
  });
});
