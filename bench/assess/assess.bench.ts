/**
 * Assessment throughput (issue #8): 1,000 generated repositories with 50,000 files in all, written to disk and
 * scanned from there (services, stack, containers, CI, deployment, observability, ownership), and one monorepo
 * of 500 services. Generation is not timed; the scan is, end to end, one repository after the other.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { filesFromDirectory, scanRepository } from '../../src/assess/scan/index.js';
import { fmtMs, printTable, summarise } from '../stats.js';

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

const WORKFLOW = (name: string, extra: string) => `name: ${name}
on:
  push: { branches: [main] }
  pull_request: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
      - run: npm run lint
      - run: npm test
      - run: npm run build${extra}
`;

/** One service's files (about `n` of them), in one of four stacks, with the usual CI and container setups. */
function service(i: number, prefix: string, n: number): Record<string, string> {
  const kind = i % 4;
  const f: Record<string, string> = {};
  const name = `svc-${i}`;
  if (kind === 0 || kind === 3) {
    f[`${prefix}package.json`] = JSON.stringify({ name, scripts: { build: 'tsc -p .', test: 'vitest run', lint: 'eslint .' }, dependencies: { pino: '^9.0.0', ...(i % 3 ? { '@opentelemetry/sdk-node': '^0.52.0' } : {}), ...(i % 5 ? { 'prom-client': '^15.1.0' } : {}) }, devDependencies: { typescript: '^5.6.0', vitest: '^2.0.0' } }, null, 2);
    f[`${prefix}package-lock.json`] = '{"lockfileVersion":3}\n';
    for (let k = 0; k < n - 6; k++) f[`${prefix}src/module${k}.ts`] = `import pino from 'pino';\n// ${name} module ${k}\nexport const log = pino();\nexport function handler${k}(x: number): number {\n  return x * ${k};\n}\n`;
    f[`${prefix}src/server.ts`] = `import { createServer } from 'node:http';\ncreateServer((req, res) => { if (req.url === '/healthz') return res.end('ok'); res.end('hi'); }).listen(8080);\n`;
  } else if (kind === 1) {
    f[`${prefix}pom.xml`] = `<project><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId><artifactId>${name}</artifactId><version>1.0.0</version>\n<dependencies>\n<dependency><groupId>io.micrometer</groupId><artifactId>micrometer-registry-prometheus</artifactId></dependency>\n<dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-actuator</artifactId></dependency>\n</dependencies>\n</project>\n`;
    for (let k = 0; k < n - 5; k++) f[`${prefix}src/main/java/com/acme/C${k}.java`] = `package com.acme;\n\nimport java.util.List;\n\n/** Class ${k}. */\npublic class C${k} {\n  public int twice(int x) { return 2 * x; }\n}\n`;
  } else {
    f[`${prefix}go.mod`] = `module github.com/acme/${name}\n\ngo 1.22\n\nrequire (\n\tgithub.com/prometheus/client_golang v1.19.0\n\tgo.uber.org/zap v1.27.0\n)\n`;
    for (let k = 0; k < n - 5; k++) f[`${prefix}internal/p${k}/p.go`] = `package p${k}\n\nimport "go.uber.org/zap"\n\n// F does nothing much.\nfunc F() *zap.Logger { return zap.NewNop() }\n`;
  }
  f[`${prefix}Dockerfile`] = i % 2 ? 'FROM node:20.11-alpine AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM gcr.io/distroless/nodejs20-debian12:nonroot\nCOPY --from=build /app/dist /app\nUSER nonroot\nCMD ["/app/server.js"]\n' : 'FROM golang:latest\nCOPY . .\nRUN go build -o /app\nCMD ["/app"]\n';
  f[`${prefix}deploy/deployment.yaml`] = `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name} }\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/${name}:1.0.0\n          readinessProbe: { httpGet: { path: /healthz, port: 8080 } }\n`;
  return f;
}

function repository(i: number, files: number): Record<string, string> {
  const f = service(i, '', files - 4);
  f['README.md'] = `# svc-${i}\n`;
  f['.github/CODEOWNERS'] = `* @acme/team-${i % 15}\n`;
  f['.github/workflows/ci.yml'] = WORKFLOW('ci', i % 3 ? '\n      - uses: github/codeql-action/analyze@v3\n' : '\n');
  if (i % 2) f['.github/dependabot.yml'] = 'version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule: { interval: weekly }\n';
  return f;
}

export async function runAssessBench(opts: { repos?: number; filesPerRepo?: number; monorepoServices?: number } = {}): Promise<void> {
  const repos = opts.repos ?? 1000;
  const per = opts.filesPerRepo ?? 50;
  const root = mkdtempSync(join(tmpdir(), 'gantry-bench-assess-'));
  const rows: Array<Array<string | number>> = [];
  try {
    for (let i = 0; i < repos; i++) write(join(root, `repo-${i}`), repository(i, per));
    const latencies: number[] = [];
    let files = 0;
    let services = 0;
    const t = performance.now();
    for (let i = 0; i < repos; i++) {
      const s = performance.now();
      const scan = scanRepository(await filesFromDirectory(join(root, `repo-${i}`)), { source: `repo-${i}` });
      latencies.push(performance.now() - s);
      files += scan.files;
      services += scan.services.length;
    }
    const seconds = (performance.now() - t) / 1000;
    const l = summarise(latencies);
    rows.push([`${repos.toLocaleString('en')} repositories`, `${files.toLocaleString('en')} files, ${services.toLocaleString('en')} services`, `${seconds.toFixed(1)} s`, `${Math.round(files / seconds).toLocaleString('en')} files/s`, `p50 ${fmtMs(l.p50)}, max ${fmtMs(l.max)} per repository`]);

    const n = opts.monorepoServices ?? 500;
    const mono: Record<string, string> = { 'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['services/*'] }), 'README.md': '# mono\n', '.github/CODEOWNERS': '* @acme/platform\n' };
    for (let i = 0; i < n; i++) {
      Object.assign(mono, service(i, `services/svc-${i}/`, 12));
      mono[`.github/workflows/svc-${i}.yml`] = WORKFLOW(`svc-${i}`, '\n').replace('push: { branches: [main] }', `push: { branches: [main], paths: ['services/svc-${i}/**'] }`).replace('pull_request: {}', `pull_request: { paths: ['services/svc-${i}/**'] }`);
    }
    write(join(root, 'mono'), mono);
    const m = performance.now();
    const scan = scanRepository(await filesFromDirectory(join(root, 'mono')), { source: 'mono' });
    const ms = performance.now() - m;
    const ciPer = scan.services.reduce((a, s) => a + s.ci.length, 0) / Math.max(1, scan.services.length);
    rows.push([`monorepo of ${n} services`, `${scan.files.toLocaleString('en')} files, ${scan.services.length} services (${ciPer.toFixed(1)} pipelines each)`, fmtMs(ms), `${Math.round(scan.files / (ms / 1000)).toLocaleString('en')} files/s`, '']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  printTable('Assessment: scanning repositories from disk (no code is run)', ['what', 'size', 'time', 'rate', 'latency'], rows);
}
