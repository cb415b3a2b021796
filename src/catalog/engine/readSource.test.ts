import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitCheckouts } from './gitCheckouts.js';
import { parseLocationTarget } from './locationTarget.js';
import { openSource, type ReadSourceOptions, type SourceStream } from './readSource.js';

function component(name: string, extra = ''): string {
  return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  description: ${'a service that does something useful '.repeat(3)}${extra}
spec:
  type: service
  lifecycle: production
  owner: team-a
`;
}

/** What a stream gives, in order: each document's file, line and ref, and the source's problems. */
async function drain(stream: SourceStream): Promise<{ docs: string[]; chunks: number; size: number; problems: string[]; retain: string[] }> {
  const docs: string[] = [];
  let chunks = 0;
  let size = 0;
  for await (const chunk of stream.chunks()) {
    chunks++;
    size += chunk.size;
    for (const { file, doc, derived } of chunk.documents) {
      docs.push(`${file}:${doc.position.line} ${doc.entity ? `${doc.ref ?? doc.entity.metadata.name}${derived ? ' derived' : ''}` : `invalid ${doc.problems.map((p) => p.code).join(',')}`}`);
    }
  }
  const problems = stream.problems().map((p) => `${p.position?.file}:${p.position?.line} ${p.code}`);
  return { docs, chunks, size, problems, retain: [...stream.retainFiles].sort() };
}

describe('openSource', () => {
  let dir: string;
  let opts: ReadSourceOptions;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-source-'));
    opts = { git: createGitCheckouts(join(dir, 'git'), 10_000), maxFileBytes: 64 * 1024 };
    const src = join(dir, 'src');
    await mkdir(join(src, 'more'), { recursive: true });
    for (let f = 0; f < 8; f++) {
      const parts = Array.from({ length: 25 }, (_, i) => component(`svc-${f}-${i}`));
      // One invalid document in the middle of one file: rejected alone, the others are kept.
      if (f === 3) parts[10] = component('Not A Name!');
      await writeFile(join(src, `${f}.yaml`), parts.join('---\n'));
    }
    await writeFile(join(src, '4b-too-big.yaml'), component('big', 'x'.repeat(70 * 1024)));
    await writeFile(join(src, '5.yaml'), 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [unclosed\n');
    // A Location entity naming files the location's glob does not reach: followed after the root files.
    await writeFile(
      join(src, 'index.yaml'),
      'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  targets:\n    - ./more/*.yaml\n    - ./missing.yaml\n',
    );
    for (let f = 0; f < 3; f++) await writeFile(join(src, 'more', `m${f}.yaml`), [component(`more-${f}-a`), component(`more-${f}-b`)].join('---\n'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Top-level files only: `more/` is reached through the Location entity alone.
  const target = () => parseLocationTarget(`${join(dir, 'src')}#*.yaml`, 'dir').parsed;

  it('streams a big source in chunks parsed on threads, giving exactly what one pass gives', async () => {
    const whole = await drain(await openSource(target(), opts));
    const streamed = await drain(await openSource(target(), { ...opts, chunkSize: 8 * 1024, inlineBelow: 0 }));

    expect(whole.chunks).toBe(1);
    expect(streamed.chunks).toBeGreaterThan(4);
    expect(streamed.docs).toEqual(whole.docs);
    expect(streamed.problems).toEqual(whole.problems);
    expect(streamed.retain).toEqual(whole.retain);
    expect(streamed.size).toBe(whole.size);

    // Source order: the root files sorted, then what the Location entity named, in its order.
    expect(whole.docs.length).toBe(7 * 25 + 1 + 1 + 6);
    expect(whole.docs[0]).toBe('0.yaml:1 component:default/svc-0-0 derived');
    expect(whole.docs).toContain('3.yaml:101 invalid invalid_name');
    expect(whole.docs).toContain('5.yaml:1 invalid yaml_syntax');
    expect(whole.docs).toContain('index.yaml:1 location:default/more derived');
    expect(whole.docs.slice(-6).map((d) => d.split(':')[0])).toEqual(['more/m0.yaml', 'more/m0.yaml', 'more/m1.yaml', 'more/m1.yaml', 'more/m2.yaml', 'more/m2.yaml']);
    expect(whole.problems).toEqual(['4b-too-big.yaml:1 too_large', 'index.yaml:1 target_not_found']);
    expect(whole.retain).toEqual(['4b-too-big.yaml', '5.yaml', 'missing.yaml']);
  });

  it('reads every file and follows every Location when opened, before any chunk is asked for', async () => {
    const stream = await openSource(target(), { ...opts, chunkSize: 8 * 1024, inlineBelow: 0 });
    // Whatever happens to the files now, the stream has what the source held when it was opened.
    await rm(join(dir, 'src'), { recursive: true, force: true });
    const { docs } = await drain(stream);
    expect(docs.filter((d) => d.startsWith('more/'))).toHaveLength(6);
    expect(docs).toHaveLength(7 * 25 + 1 + 1 + 6);
  });

  it('stops its threads when the reader stops early, without unhandled rejections', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const stream = await openSource(target(), { ...opts, chunkSize: 4 * 1024, inlineBelow: 0 });
      let seen = 0;
      for await (const chunk of stream.chunks()) {
        seen += chunk.documents.length;
        break;
      }
      expect(seen).toBeGreaterThan(0);
      await stream.close();
      // Later chunks were being parsed ahead when the reader stopped; their failures must stay handled.
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
