import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../core/errors.js';
import { MAX_IMPORT_PROBLEMS, parseImport } from './importFile.js';

const where = (r: ReturnType<typeof parseImport>): string[] => r.problems.map(formatProblem);

const GOOD_JSONL = [
  '# deployments, changes and incidents from the old tracker',
  '{"type":"change","id":"c-1","component":"orders-api","sha":"8A6EF0ED2BCA2F06C8BD8E8E4D1D4C6B1A3E9F21","committedAt":"2024-05-01T09:15:02-04:00"}',
  '',
  '{"type":"deployment","id":"d-1","component":"component:shop/orders-api","environment":"production","sha":"0d1a26e","startedAt":"2024-05-01 13:25:00 UTC","finishedAt":"2024-05-01T13:31:12Z","production":true,"commits":[{"sha":"8a6ef0ed2bca2f06c8bd8e8e4d1d4c6b1a3e9f21","committedAt":"2024-05-01T13:15:02Z"}]}',
  '   {"type":"deployment","id":"d-2","component":"orders-api","environment":"production","status":"rolled_back","rollback":true,"reverts":"d-1","finishedAt":"2024-05-01T14:40:00Z"}',
  '{"type":"incident","id":"i-1","title":"Checkout returns 500","severity":"critical","startedAt":"2024-05-01T14:02:00Z","acknowledgedAt":"2024-05-01T14:09:00Z","resolvedAt":"2024-05-01T14:41:00Z","components":["orders-api"],"causeDeployment":"d-1","causeSha":"0D1A26E"}',
  '{"type":"deployment","id":42,"component":"search","environment":"staging","finishedAt":"2024-05-02T08:00:00Z"}',
].join('\n');

describe('parseImport JSON lines', () => {
  it('reads all three record types, skipping comments and blank lines', () => {
    const result = parseImport(GOOD_JSONL, 'history.jsonl');
    expect(result.problems).toEqual([]);
    expect(result.facts).toEqual([
      { kind: 'change', id: 'import:c-1', source: 'import', component: 'orders-api', repo: null, sha: '8a6ef0ed2bca2f06c8bd8e8e4d1d4c6b1a3e9f21', committedAt: '2024-05-01T13:15:02.000Z' },
      {
        kind: 'deployment',
        id: 'import:d-1',
        source: 'import',
        component: 'component:shop/orders-api',
        repo: null,
        environment: 'production',
        production: true,
        sha: '0d1a26e',
        status: 'success',
        rollback: false,
        hotfix: false,
        startedAt: '2024-05-01T13:25:00.000Z',
        finishedAt: '2024-05-01T13:31:12.000Z',
        commits: [{ sha: '8a6ef0ed2bca2f06c8bd8e8e4d1d4c6b1a3e9f21', committedAt: '2024-05-01T13:15:02.000Z' }],
        reverts: null,
        url: null,
      },
      {
        kind: 'deployment',
        id: 'import:d-2',
        source: 'import',
        component: 'orders-api',
        repo: null,
        environment: 'production',
        production: null,
        sha: null,
        status: 'rolled_back',
        rollback: true,
        hotfix: false,
        startedAt: null,
        finishedAt: '2024-05-01T14:40:00.000Z',
        commits: null,
        reverts: 'import:d-1',
        url: null,
      },
      {
        kind: 'incident',
        id: 'import:i-1',
        source: 'import',
        title: 'Checkout returns 500',
        severity: 'sev1',
        startedAt: '2024-05-01T14:02:00.000Z',
        detectedAt: '2024-05-01T14:02:00.000Z',
        acknowledgedAt: '2024-05-01T14:09:00.000Z',
        resolvedAt: '2024-05-01T14:41:00.000Z',
        components: ['orders-api'],
        repo: null,
        causeDeployment: 'import:d-1',
        causeSha: '0d1a26e',
        url: null,
      },
      {
        kind: 'deployment',
        id: 'import:42',
        source: 'import',
        component: 'search',
        repo: null,
        environment: 'staging',
        production: null,
        sha: null,
        status: 'success',
        rollback: false,
        hotfix: false,
        startedAt: null,
        finishedAt: '2024-05-02T08:00:00.000Z',
        commits: null,
        reverts: null,
        url: null,
      },
    ]);
  });

  it('gives identical facts when the same file is imported again (ids are import:<id>)', () => {
    const first = parseImport(GOOD_JSONL, 'history.jsonl');
    expect(parseImport(GOOD_JSONL, 'history.jsonl')).toEqual(first);
    expect(parseImport(GOOD_JSONL.replace(/\n/g, '\r\n'), 'history.ndjson')).toEqual(first);
  });

  it('reports three kinds of errors, each at its line:column, and gives no facts', () => {
    const text = [
      '# exported from the old release tracker',
      '{"type":"deployment","id":"d1","component":"orders-api","environment":"production","finishedAt":"yesterday"}',
      '',
      '{"type":"change","id":"c1","component":"orders-api","sha":"8a6ef0e","committedAt":"2024-05-01T10:00:00Z","author":"dana"}',
      '{"type":"incident","id":"i1","severity":"sev2","startedAt":"2024-05-01T10:00:00Z"}',
      '{"type":"deployment","id":"d2",}',
    ].join('\n');
    const result = parseImport(text, 'tracker.jsonl');
    expect(result.facts).toEqual([]);
    expect(where(result)).toEqual([
      'tracker.jsonl:2:97: deployment.finishedAt: expected an ISO-8601 time with a zone (e.g. "2024-05-01T12:00:00Z" or "2024-05-01 12:00:00 UTC"), found "yesterday"',
      'tracker.jsonl:4:115: change.author: expected only the fields type, id, component, sha, committedAt, found "author"',
      'tracker.jsonl:5:1: incident.title: expected a non-empty string, found nothing',
      'tracker.jsonl:6:32: expected a JSON object, found invalid JSON: Expected double-quoted property name',
    ]);
    expect(result.problems.map((p) => [p.code, p.path])).toEqual([
      ['invalid_time', 'deployment.finishedAt'],
      ['unknown_field', 'change.author'],
      ['missing_field', 'incident.title'],
      ['json_syntax', ''],
    ]);
  });

  it('points into the commits list, and at a snake_case key with the camelCase name', () => {
    const line =
      '{"type":"deployment","id":"d3","component":"orders-api","environment":"prod","finishedAt":"2024-05-01T10:00:00Z","commits":[{"sha":"8a6ef0e","committedAt":"2024-05-01T09:00:00Z"},{"sha":"0d1a26e","committedAt":"soon"}]}';
    expect(where(parseImport(line, 'a.jsonl'))).toEqual([
      'a.jsonl:1:211: deployment.commits[1].committedAt: expected an ISO-8601 time with a zone (e.g. "2024-05-01T12:00:00Z" or "2024-05-01 12:00:00 UTC"), found "soon"',
    ]);
    const snake = '{"type":"change","id":"c1","component":"orders-api","sha":"8a6ef0e","committed_at":"2024-05-01T10:00:00Z"}';
    expect(where(parseImport(snake, 'b.jsonl'))).toEqual([
      'b.jsonl:1:1: change.committedAt: expected an ISO-8601 time with a zone (e.g. "2024-05-01T12:00:00Z" or "2024-05-01 12:00:00 UTC"), found nothing',
      'b.jsonl:1:84: change.committed_at: expected only the fields type, id, component, sha, committedAt, found "committed_at" (field names are camelCase: committedAt)',
    ]);
  });

  it('checks types, values, refs, order of times and ids used twice', () => {
    const text = [
      '{"type":"release","id":"r1"}',
      '{"id":"x"}',
      '{"type":"deployment","id":"d1","component":"Orders API","environment":"prod","finishedAt":"2024-05-01T10:00:00Z","startedAt":"2024-05-01T11:00:00Z","rollback":"yes","status":"done"}',
      '{"type":"change","id":"d1","component":"orders-api","sha":"xyz","committedAt":"2024-05-01T10:00:00Z"}',
      '[1,2]',
    ].join('\n');
    const result = parseImport(text, 'c.jsonl');
    expect(result.problems.map((p) => `${p.position?.line}:${p.position?.column} ${p.code} ${p.path}`)).toEqual([
      '1:9 invalid_value type',
      '2:1 missing_field type',
      '3:44 invalid_ref deployment.component',
      '3:91 invalid_time deployment.finishedAt',
      '3:160 invalid_type deployment.rollback',
      '3:175 invalid_value deployment.status',
      '4:23 duplicate_id change.id',
      '4:59 invalid_sha change.sha',
      '5:1 invalid_record ',
    ]);
    expect(result.problems[0]?.message).toBe('type: expected one of deployment, change, incident, found "release"');
    expect(result.problems[3]?.message).toBe('deployment.finishedAt: expected a time not before startedAt (2024-05-01T11:00:00.000Z), found "2024-05-01T10:00:00Z"');
    expect(result.problems[6]?.message).toBe('change.id: expected each id once in the file, found "d1" again (first on line 3)');
  });

  it('caps the problems at 100 and says how many more there were', () => {
    const text = Array.from({ length: 150 }, (_, i) => `{"type":"change","id":"c${i}"}`).join('\n');
    const { problems } = parseImport(text, 'many.jsonl');
    // Each line lacks component, sha and committedAt: 450 problems.
    expect(problems).toHaveLength(MAX_IMPORT_PROBLEMS + 1);
    expect(problems[MAX_IMPORT_PROBLEMS]).toMatchObject({ code: 'too_many_problems', message: '350 more problems not listed; fix these and import again' });
    expect(problems[99]?.position?.line).toBe(34);
  });

  it('rejects a JSON list and an empty file with one clear problem', () => {
    expect(where(parseImport('\n[{"type":"change"}]', 'list.json'))).toEqual([
      'list.json:2:1: expected one JSON object per line (JSON lines), found a JSON list; write one record per line',
    ]);
    expect(where(parseImport('# nothing yet\n\n', 'empty.jsonl'))).toEqual(['empty.jsonl:1:1: expected at least one record, found none']);
  });
});

const GOOD_CSV = [
  'type,id,title,severity,started_at,Resolved At,components,causeSha',
  'incident,i1,"Checkout down, all regions",sev1,2024-05-01T10:00:00Z,2024-05-01 11:00:00 UTC,orders-api; payments,',
  'incident,i2,"Slow search',
  '(""degraded"" mode)",high,2024-05-02 09:00:00 UTC,,search,B6568DB1',
  '',
].join('\r\n');

describe('parseImport CSV', () => {
  it('reads quoted commas, doubled quotes and line breaks inside quotes, snake_case and spaced headers', () => {
    const result = parseImport(GOOD_CSV, 'incidents.csv');
    expect(result.problems).toEqual([]);
    expect(result.facts).toEqual([
      {
        kind: 'incident',
        id: 'import:i1',
        source: 'import',
        title: 'Checkout down, all regions',
        severity: 'sev1',
        startedAt: '2024-05-01T10:00:00.000Z',
        detectedAt: '2024-05-01T10:00:00.000Z',
        acknowledgedAt: null,
        resolvedAt: '2024-05-01T11:00:00.000Z',
        components: ['orders-api', 'payments'],
        repo: null,
        causeDeployment: null,
        causeSha: null,
        url: null,
      },
      {
        kind: 'incident',
        id: 'import:i2',
        source: 'import',
        title: 'Slow search\r\n("degraded" mode)',
        severity: 'sev2',
        startedAt: '2024-05-02T09:00:00.000Z',
        detectedAt: '2024-05-02T09:00:00.000Z',
        acknowledgedAt: null,
        resolvedAt: null,
        components: ['search'],
        repo: null,
        causeDeployment: null,
        causeSha: 'b6568db1',
        url: null,
      },
    ]);
  });

  it('reads deployments and changes with booleans written as yes/no', () => {
    const text = [
      'type,id,component,environment,status,sha,committed_at,finished_at,hotfix,production',
      'change,c1,orders-api,,,8a6ef0e,2024-05-01T10:00:00Z,,,',
      'deployment,d1,orders-api,production,failure,8a6ef0e,,2024-05-01T11:00:00Z,yes,No',
    ].join('\n');
    const result = parseImport(text, 'mixed.csv');
    expect(result.problems).toEqual([]);
    expect(result.facts).toMatchObject([
      { kind: 'change', id: 'import:c1', sha: '8a6ef0e', committedAt: '2024-05-01T10:00:00.000Z' },
      { kind: 'deployment', id: 'import:d1', status: 'failure', hotfix: true, rollback: false, production: false, finishedAt: '2024-05-01T11:00:00.000Z' },
    ]);
  });

  it('reports each problem at the line and column of its cell, past a quoted line break', () => {
    const text = [
      'type,id,title,severity,startedAt,owner',
      'incident,i1,"Checkout down,',
      'all regions",sev9,2024-05-01T10:00:00Z,',
      'incident,i2,,sev2,not-a-time,',
      'incident,i3,Fine,sev2,2024-05-01T10:00:00Z,,extra',
    ].join('\n');
    const result = parseImport(text, 'bad.csv');
    expect(result.facts).toEqual([]);
    expect(where(result)).toEqual([
      'bad.csv:1:34: expected a column named after a field (type, id, component, environment, status, sha, startedAt, finishedAt, rollback, hotfix, production, reverts, commits, committedAt, title, severity, detectedAt, acknowledgedAt, resolvedAt, components, causeDeployment, causeSha), found "owner"',
      'bad.csv:3:14: incident.severity: expected sev1, sev2, sev3 or sev4 (or 1–4, p1–p4, critical, high, medium, low), found "sev9"',
      'bad.csv:4:13: incident.title: expected a non-empty string, found nothing',
      'bad.csv:4:19: incident.startedAt: expected an ISO-8601 time with a zone (e.g. "2024-05-01T12:00:00Z" or "2024-05-01 12:00:00 UTC"), found "not-a-time"',
      'bad.csv:5:45: expected at most 6 cells (one per column), found "extra" in cell 7',
    ]);
  });

  it('refuses commits in CSV and fields of another record type', () => {
    const text = ['type,id,component,sha,committedAt,commits,title', 'change,c1,orders-api,8a6ef0e,2024-05-01T10:00:00Z,x,Oops'].join('\n');
    expect(where(parseImport(text, 'c.csv'))).toEqual([
      'c.csv:2:51: change.commits: expected only the fields type, id, component, sha, committedAt, found "commits"',
      'c.csv:2:53: change.title: expected only the fields type, id, component, sha, committedAt, found "title"',
    ]);
    const deploy = ['type,id,component,environment,finishedAt,commits', 'deployment,d1,orders-api,prod,2024-05-01T10:00:00Z,abc'].join('\n');
    expect(where(parseImport(deploy, 'd.csv'))).toEqual([
      'd.csv:2:52: deployment.commits: expected no commits column in CSV (commits can be given in JSON lines files only), found "abc"',
    ]);
  });

  it('reports a CSV syntax error where it is', () => {
    expect(where(parseImport('type,id\nchange,"c1\n', 'open.csv'))).toContain(
      'open.csv:2:8: expected a closing quote for the quoted field that starts here, found the end of the file',
    );
  });
});

describe('parseImport format', () => {
  it('takes the format from the argument, then the extension, then the first line', () => {
    const csv = 'type,id,component,sha,committedAt\nchange,c1,orders-api,8a6ef0e,2024-05-01T10:00:00Z\n';
    const jsonl = '{"type":"change","id":"c1","component":"orders-api","sha":"8a6ef0e","committedAt":"2024-05-01T10:00:00Z"}\n';
    const expected = parseImport(csv, 'x.csv').facts;
    expect(expected).toHaveLength(1);
    expect(parseImport(csv, 'upload.txt').facts).toEqual(expected);
    expect(parseImport(jsonl, 'upload.txt').facts).toEqual(expected);
    expect(parseImport(jsonl, 'x.json').facts).toEqual(expected);
    expect(parseImport(csv, 'x.jsonl', 'csv').facts).toEqual(expected);
    expect(parseImport('\uFEFF' + csv, 'excel.csv').facts).toEqual(expected);
    expect(parseImport(csv, 'x.jsonl').problems[0]).toMatchObject({ code: 'json_syntax', position: { file: 'x.jsonl', line: 1, column: 1 } });
  });
});
