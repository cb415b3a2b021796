import { STEP_KINDS, type CiPipeline, type Evidence, type ServiceScan } from '../../model/scan.js';

/**
 * Per step kind, over the active jobs: `present` with the steps that do it; else `unknown` with the steps whose
 * logic is elsewhere (one of them might do it); else `absent`.
 */
export function capabilitiesOf(pipelines: CiPipeline[]): ServiceScan['capabilities'] {
  const found = new Map<string, Evidence[]>(STEP_KINDS.map((k) => [k, []]));
  const unknown: Evidence[] = [];
  for (const p of pipelines) {
    for (const job of p.jobs) {
      if (!job.active) continue;
      for (const step of job.steps) {
        if (step.unknown) unknown.push(step.evidence);
        for (const k of step.kinds) found.get(k)!.push(step.evidence);
      }
    }
  }
  const out = {} as ServiceScan['capabilities'];
  for (const kind of STEP_KINDS) {
    const evidence = found.get(kind)!;
    if (evidence.length > 0) out[kind] = { state: 'present', evidence };
    else if (unknown.length > 0) out[kind] = { state: 'unknown', evidence: [...unknown] };
    else out[kind] = { state: 'absent', evidence: [] };
  }
  return out;
}
