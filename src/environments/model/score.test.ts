import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../core/errors.js';
import { renderString } from '../../golden-paths/model/render.js';
import { MAX_SCORE_BYTES, parseScore } from './score.js';
import { RESOURCE_TYPES } from './types.js';

const FILE = 'orders-api/score.yaml';

function problemsOf(text: string) {
  const parsed = parseScore(text, FILE);
  expect(parsed.workload).toBeUndefined();
  return parsed.problems;
}

const VALID = `apiVersion: score.dev/v1b1
metadata:
  name: orders-api
  annotations:
    gantry.dev/owner: group:default/payments
  team-note: anything goes here
containers:
  main:
    image: .
    command: [node]
    args: [dist/server.js]
    variables:
      PORT: "8080"
      DATABASE_URL: \${resources.db.url}
      CACHE: redis://\${resources.cache.host}:\${resources.cache.port}/\${resources.cache.db}
      SELF: \${metadata.name} owned by \${metadata.annotations.gantry.dev/owner}
      LITERAL: "$\${not.a.placeholder}"
      FLAG: \${resources.settings.feature-x}
    files:
      - target: /etc/app.conf
        mode: "0644"
        content: "db=\${resources.db.host}"
    volumes:
      - source: \${resources.data}
        target: /data
        readOnly: false
    resources:
      requests: { cpu: 100m, memory: 128Mi }
      limits: { cpu: "0.5", memory: 256Mi }
    readinessProbe:
      httpGet: { path: /readyz, port: 8080 }
    livenessProbe:
      exec: { command: [/bin/true] }
service:
  ports:
    http: { port: 80, targetPort: 8080 }
    metrics: { port: 9090 }
resources:
  db:
    type: postgres
  cache:
    type: redis
  data:
    type: volume
  web:
    type: route
    params: { path: /orders }
  settings:
    type: environment
    params: { feature-x: "on", retries: 3 }
`;

describe('parseScore', () => {
  it('reads a valid file, filling targetPort (= port) and protocol (TCP)', () => {
    const parsed = parseScore(VALID, FILE);
    expect(parsed.problems).toEqual([]);
    const w = parsed.workload;
    expect(w?.metadata.name).toBe('orders-api');
    expect(w?.metadata['team-note']).toBe('anything goes here');
    expect(w?.service?.ports).toEqual({
      http: { port: 80, targetPort: 8080, protocol: 'TCP' },
      metrics: { port: 9090, targetPort: 9090, protocol: 'TCP' },
    });
    expect(w?.containers.main?.variables?.DATABASE_URL).toBe('${resources.db.url}');
    expect(Object.keys(w?.resources ?? {})).toEqual(['db', 'cache', 'data', 'web', 'settings']);
  });

  it('reports an unknown resource type naming the type and the supported ones, at the type', () => {
    const problems = problemsOf(VALID.replace('type: redis', 'type: mongodb'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'unknown_resource_type', path: 'resources.cache.type', position: { file: FILE, line: 42, column: 11 } });
    expect(problems[0]?.message).toContain('"mongodb"');
    for (const t of RESOURCE_TYPES) expect(problems[0]?.message).toContain(t);
  });

  it('reports unknown resource types together with schema problems elsewhere', () => {
    const problems = problemsOf(VALID.replace('type: redis', 'type: kafka').replace('image: .', 'image: ""'));
    expect(problems.map((p) => p.code)).toEqual(['invalid_value', 'unknown_resource_type']);
  });

  it('reports an unknown key at the key, listing the keys it expected', () => {
    const problems = problemsOf(VALID.replace('    image: .\n', '    image: .\n    imagePullPolicy: Always\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'unknown_key', path: 'containers.main.imagePullPolicy', position: { line: 10, column: 5 } });
    expect(problems[0]?.message).toContain('expected one of: image, command, args, variables, files, volumes, resources, livenessProbe, readinessProbe');
  });

  it('requires metadata.name as a DNS label, pointing at the mapping when it is missing', () => {
    expect(problemsOf(VALID.replace('name: orders-api', 'name: Orders_API'))[0]).toMatchObject({
      path: 'metadata.name',
      position: { line: 3, column: 9 },
    });
    const missing = problemsOf(VALID.replace('  name: orders-api\n', ''));
    expect(missing[0]).toMatchObject({ code: 'missing_field', path: 'metadata.name', position: { line: 3, column: 3 } });
    expect(missing[0]?.message).toMatch(/expected a workload name.*found nothing/);
  });

  it('requires at least one container and apiVersion score.dev/v1b1', () => {
    const problems = problemsOf('apiVersion: score.dev/v1\nmetadata: { name: ab }\ncontainers: {}\n');
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['apiVersion', 'apiVersion: expected score.dev/v1b1, found "score.dev/v1"'],
      ['containers', 'containers: expected at least one container, found none'],
    ]);
  });

  it('checks service ports: 1-65535, whole numbers, no port used twice', () => {
    const text = VALID.replace('port: 80, targetPort: 8080', 'port: 80, targetPort: 70000').replace('port: 9090', 'port: 80');
    const problems = problemsOf(text);
    expect(problems.map((p) => p.path)).toEqual(['service.ports.http.targetPort']);
    expect(problems[0]?.message).toContain('a whole number from 1 to 65535, found the number 70000');
    const dup = problemsOf(VALID.replace('port: 9090', 'port: 80'));
    expect(dup[0]).toMatchObject({ code: 'duplicate_port', path: 'service.ports.metrics.port', position: { line: 37, column: 22 } });
  });

  it('asks for variable values as strings (quoted numbers)', () => {
    const problems = problemsOf(VALID.replace('PORT: "8080"', 'PORT: 8080'));
    expect(problems[0]?.message).toBe('containers.main.variables.PORT: expected a string (quote numbers and booleans: "8080", "true"), found the number 8080');
  });

  it('reports placeholders naming an undeclared resource or an output the type lacks, at the variable', () => {
    const problems = problemsOf(
      VALID.replace('${resources.db.url}', '${resources.db.hostname}').replace('PORT: "8080"', 'PORT: ${resources.queue.url}'),
    );
    expect(problems.map((p) => [p.path, p.position?.line, p.position?.column])).toEqual([
      ['containers.main.variables.PORT', 13, 13],
      ['containers.main.variables.DATABASE_URL', 14, 21],
    ]);
    expect(problems[0]?.message).toContain('${resources.queue.url} names no declared resource; expected one of: db, cache, data, web, settings');
    expect(problems[1]?.message).toContain('postgres resource db has no output "hostname"; expected one of: host, port, name, database, username, password, url');
  });

  it('checks metadata placeholders against the file, and file contents unless noExpand', () => {
    const problems = problemsOf(
      VALID.replace('${metadata.name} owned', '${metadata.nmae} owned').replace('content: "db=${resources.db.host}"', 'content: "${resources.nope.x}"'),
    );
    expect(problems.map((p) => p.path)).toEqual(['containers.main.variables.SELF', 'containers.main.files[0].content']);
    expect(problems[0]?.message).toContain('${metadata.nmae} names no text value in metadata');
    const unexpanded = parseScore(VALID.replace('content: "db=${resources.db.host}"', 'content: "${resources.nope.x}"\n        noExpand: true'), FILE);
    expect(unexpanded.problems).toEqual([]);
  });

  it('rejects malformed placeholders, unknown roots and a whole resource in a variable', () => {
    const problems = problemsOf(
      VALID.replace('PORT: "8080"', 'PORT: "${resources.db.port"').replace('${resources.db.url}', '${secrets.db}').replace(
        'FLAG: ${resources.settings.feature-x}',
        'FLAG: ${resources.db}',
      ),
    );
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('unterminated placeholder'),
      expect.stringContaining('unknown placeholder ${secrets.db}'),
      expect.stringContaining('${resources.db} names a whole resource; expected ${resources.db.OUTPUT}'),
    ]);
  });

  it('requires a volume source to be ${resources.NAME} of a volume resource', () => {
    const problems = problemsOf(VALID.replace('source: ${resources.data}', 'source: ${resources.db}'));
    expect(problems[0]).toMatchObject({ code: 'invalid_volume_source', path: 'containers.main.volumes[0].source' });
    expect(problems[0]?.message).toContain('naming a volume resource (one of: data), found "${resources.db}"');
  });

  it('allows only metadata placeholders in resource params, and checks a route path', () => {
    const problems = problemsOf(VALID.replace('params: { path: /orders }', 'params: { path: "${resources.db.host}" }'));
    expect(problems[0]?.message).toContain('resource params can use ${metadata...} placeholders only');
    const bad = problemsOf(VALID.replace('params: { path: /orders }', 'params: { path: orders }'));
    expect(bad[0]).toMatchObject({ path: 'resources.web.params.path', message: expect.stringContaining('expected a URL path starting with /') });
  });

  it('warns about params a type ignores without rejecting the file', () => {
    const parsed = parseScore(VALID.replace('    type: postgres\n', '    type: postgres\n    params: { version: 16 }\n'), FILE);
    expect(parsed.workload).toBeDefined();
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({ severity: 'warning', code: 'ignored_param', path: 'resources.db.params.version' });
  });

  it('reports an unrendered golden path skeleton as such, at each template tag', () => {
    const skeleton = readFileSync(new URL('../../../templates/node-service/skeleton/score.yaml', import.meta.url), 'utf8');
    const problems = problemsOf(skeleton);
    expect(problems.every((p) => p.code === 'unrendered_template')).toBe(true);
    expect(problems[0]).toMatchObject({ path: 'metadata.name', position: { file: FILE, line: 4, column: 9 } });
    expect(formatProblem(problems[0]!)).toContain('found template syntax "${{ values.name }}": this looks like an unrendered golden path skeleton');
  });

  it.each(['node-service', 'python-service', 'static-site'])('reads the %s golden path Score file once rendered', (template) => {
    const skeleton = readFileSync(new URL(`../../../templates/${template}/skeleton/score.yaml`, import.meta.url), 'utf8');
    const rendered = renderString(skeleton, { values: { name: 'orders-api', owner: 'group:default/payments' } });
    const parsed = parseScore(rendered, FILE);
    expect(parsed.problems).toEqual([]);
    expect(parsed.workload?.metadata).toMatchObject({ name: 'orders-api', annotations: { 'gantry.dev/tier': 'tier-2' } });
  });

  it('hints at template syntax when it breaks the YAML itself', () => {
    const problems = problemsOf('apiVersion: score.dev/v1b1\nmetadata:\n  name: ${{ values.name }}\n{% if values.db %}\nresources: {}\n{% endif %}\n');
    expect(problems[0]?.code).toBe('yaml_syntax');
    expect(problems[0]?.message).toContain('unrendered golden path skeleton');
  });

  it('reports YAML errors, several documents and oversized files with positions', () => {
    expect(problemsOf('apiVersion: score.dev/v1b1\nmetadata: { name: ab\n')[0]).toMatchObject({ code: 'yaml_syntax', position: { file: FILE } });
    expect(problemsOf(`${VALID}---\n${VALID}`)[0]?.code).toBe('yaml_syntax');
    expect(problemsOf('a: 1\na: 2\n')[0]?.message).toContain('expected valid YAML');
    const big = `# ${'x'.repeat(MAX_SCORE_BYTES)}\n${VALID}`;
    expect(problemsOf(big)[0]).toMatchObject({ code: 'too_large', position: { line: 1, column: 1 } });
  });

  it('reports an empty file as a missing mapping', () => {
    expect(problemsOf('')[0]?.message).toMatch(/^expected/);
  });
});
