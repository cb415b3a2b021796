import type { CiPipeline, CiStep } from '../../model/scan.js';
import { imageKinds, orderKinds } from './classify.js';
import { evidence, knownStep, makeJob, scriptStep, type ScanContext } from './context.js';
import { dirOf, isPipelineLocation, resolveDir } from './paths.js';
import { setPipelineScope } from './types.js';

/**
 * Google Cloud Build: `cloudbuild.yaml|yml|json` (any folder). Each step runs a builder image: the official
 * builders are their tool (`gcr.io/cloud-builders/docker` + args is `docker ...`), other images run their
 * `entrypoint` or their args; `script:` is a script. Images listed under `images:` are pushed after the steps.
 * Triggers live in Google Cloud, not in the file: the build is taken to run on pushes.
 */

const FILE = /(^|\/)cloudbuild([._-][^/]*)?\.(ya?ml|json)$/;

export function scanCloudBuild(ctx: ScanContext): CiPipeline[] {
  const out: CiPipeline[] = [];
  for (const file of ctx.paths()) {
    if (!FILE.test(file) || !isPipelineLocation(file)) continue;
    const ys = ctx.yaml(file);
    if (!ys) continue;
    const root = ys.root;
    if (!ys.isMap(root)) {
      if (root !== null) ctx.problem(file, ys.lineOf(root), 'expected a Cloud Build configuration (a mapping with steps), found something else');
      continue;
    }
    const job = 'build';
    const steps: CiStep[] = [];
    ys.items(ys.get(root, 'steps')).forEach((item, i) => {
      const name = ys.str(ys.get(item, 'id')) ?? `#${i + 1}`;
      const image = ys.str(ys.get(item, 'name')) ?? '';
      const dir = ys.str(ys.get(item, 'dir'));
      const cwd = dir === undefined ? '.' : resolveDir('.', dir);
      const scriptNode = ys.get(item, 'script');
      if (scriptNode) {
        steps.push(scriptStep(ctx, { name, file, job, script: ys.str(scriptNode) ?? '', cwd, lineOf: ys.valueLines(scriptNode), extraKinds: imageKinds(image, []) }).step);
        return;
      }
      const args = ys.strings(ys.get(item, 'args'));
      const entrypoint = ys.str(ys.get(item, 'entrypoint'));
      const builder = /(?:^|\/)cloud-builders\/([\w.-]+?)(?::[^/]*)?$/.exec(image)?.[1];
      const words = entrypoint ? [entrypoint, ...args] : builder && builder !== 'gke-deploy' ? [builder, ...args] : args;
      const kinds = orderKinds([...imageKinds(image, args), ...ctx.classifier.words(words, cwd).kinds]);
      const ev = evidence(file, ys.lineOf(item), job, name, [image, ...(entrypoint ? [entrypoint] : []), ...args].join(' '));
      steps.push(knownStep(name, kinds, ev, { dirs: cwd === null ? [] : [cwd] }));
    });
    const images = ys.get(root, 'images');
    if (ys.items(images).length > 0) {
      const ev = evidence(file, ys.lineOf(ys.keyNode(root, 'images')), job, 'images', `images: ${ys.strings(images).join(', ')}`);
      steps.push(knownStep('images', ['publish-image'], ev));
    }
    const jobs = [makeJob({ name: job, file, line: ys.lineOf(ys.keyNode(root, 'steps')), steps })];
    out.push(setPipelineScope({ system: 'cloud-build', file, name: file, triggers: ['push'], jobs }, { changes: null, fileDir: dirOf(file) }));
  }
  return out;
}
