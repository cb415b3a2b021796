import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileFacts, dockerHealthchecks, detectImageBuilders, isDockerfileName, isPinnedImage, parseDockerfile, scanContainers } from './containers.js';
import { filesFromDirectory, filesFromMap } from './files.js';

const fixture = (name: string) => filesFromDirectory(join(import.meta.dirname, 'fixtures', name));
const facts = (text: string) => dockerfileFacts('Dockerfile', parseDockerfile(text));

describe('Dockerfiles in the fixtures', () => {
  it('node-service: three stages, the final one distroless without a tag (unpinned) running as nonroot', async () => {
    expect(scanContainers(await fixture('node-service'), '.')).toEqual({
      dockerfiles: [
        {
          file: 'Dockerfile',
          baseImages: [{ image: 'gcr.io/distroless/nodejs20-debian12', line: 12, stage: null }],
          pinnedBase: false,
          nonRootFinalStage: true,
          evidence: [
            { file: 'Dockerfile', line: 12, excerpt: 'FROM gcr.io/distroless/nodejs20-debian12' },
            { file: 'Dockerfile', line: 16, excerpt: 'USER nonroot' },
          ],
        },
      ],
      builders: [],
    });
  });

  it('go-service: golang:latest without USER runs as root and is not pinned', async () => {
    const { dockerfiles } = scanContainers(await fixture('go-service'), '.');
    expect(dockerfiles).toEqual([
      {
        file: 'Dockerfile',
        baseImages: [{ image: 'golang:latest', line: 1, stage: null }],
        pinnedBase: false,
        nonRootFinalStage: false,
        evidence: [{ file: 'Dockerfile', line: 1, excerpt: 'FROM golang:latest' }],
      },
    ]);
  });

  it('monorepo web: ARG BASE=node:20 then FROM ${BASE} resolves to node:20 (pinned), USER node', async () => {
    const { dockerfiles } = scanContainers(await fixture('monorepo'), 'services/web');
    expect(dockerfiles.map((d) => [d.baseImages, d.pinnedBase, d.nonRootFinalStage])).toEqual([[[{ image: 'node:20', line: 2, stage: null }], true, true]]);
  });

  it('python-service: FROM python:${PYTHON_VERSION}-slim with a default is pinned; USER ${APP_USER} without one cannot be told', async () => {
    const { dockerfiles } = scanContainers(await fixture('python-service'), '.');
    expect(dockerfiles[0]).toMatchObject({
      baseImages: [{ image: 'python:3.12-slim', line: 2, stage: null }],
      pinnedBase: true,
      nonRootFinalStage: null,
      evidence: [
        { file: 'Dockerfile', line: 2, excerpt: 'FROM python:${PYTHON_VERSION}-slim' },
        { file: 'Dockerfile', line: 8, excerpt: 'USER ${APP_USER}' },
      ],
    });
  });

  it('java-service: no Dockerfile, Jib in the POM (pom.xml:67); spring-boot-maven-plugin without build-image is no buildpack', async () => {
    expect(scanContainers(await fixture('java-service'), '.')).toEqual({
      dockerfiles: [],
      builders: [{ name: 'jib', evidence: [{ file: 'pom.xml', line: 67, excerpt: '<artifactId>jib-maven-plugin</artifactId>' }] }],
    });
  });
});

describe('parseDockerfile', () => {
  it('follows a final stage built on an earlier stage back to its base image, inheriting USER', () => {
    const d = facts([
      'FROM --platform=$BUILDPLATFORM eclipse-temurin:21.0.3_9-jdk AS base', // 1
      'USER 10001', // 2
      '',
      'FROM base AS build', // 4
      'RUN ./mvnw package',
      '',
      'FROM Base', // 7: stage names match without case
      'COPY --from=build /app.jar /app.jar',
    ].join('\n'));
    expect(d.baseImages).toEqual([
      { image: 'eclipse-temurin:21.0.3_9-jdk', line: 1, stage: 'base' },
      { image: 'Base', line: 7, stage: null },
    ]);
    expect(d.pinnedBase).toBe(true);
    expect(d.nonRootFinalStage).toBe(true);
    expect(d.evidence).toEqual([
      { file: 'Dockerfile', line: 7, excerpt: 'FROM Base' },
      { file: 'Dockerfile', line: 1, excerpt: 'FROM --platform=$BUILDPLATFORM eclipse-temurin:21.0.3_9-jdk AS base' },
      { file: 'Dockerfile', line: 2, excerpt: 'USER 10001' },
    ]);
  });

  it('only the final stage counts: a builder stage USER does not make a root runtime non-root', () => {
    const d = facts('FROM node:20 AS build\nUSER node\nRUN npm ci\nFROM node:20-slim\nCOPY --from=build /app /app\n');
    expect(d.nonRootFinalStage).toBe(false);
    expect(d.baseImages).toEqual([{ image: 'node:20-slim', line: 4, stage: null }]);
  });

  it.each([
    ['USER root', false],
    ['USER 0', false],
    ['USER 0:0', false],
    ['USER root:1000', false],
    ['USER 1000:0', true],
    ['USER app:app', true],
    ['USER nobody', true],
    ['ARG UID\nUSER ${UID}', null],
    ['ARG UID=1001\nUSER ${UID}', true],
    ['ENV RUN_AS=0\nUSER $RUN_AS', false],
    ['USER ${APP_USER:-appuser}', true],
    ['USER app\nUSER root', false],
  ])('%j in the final stage → non-root %j', (lines, expected) => {
    expect(facts(`FROM alpine:3.20\n${lines}\n`).nonRootFinalStage).toBe(expected);
  });

  it('substitutes global ARG defaults in FROM; an ARG without a default stays and is not pinned', () => {
    expect(facts('ARG REGISTRY=ghcr.io/acme\nARG TAG\nFROM ${REGISTRY}/base:${TAG}\n').baseImages[0]!.image).toBe('ghcr.io/acme/base:${TAG}');
    expect(facts('ARG REGISTRY=ghcr.io/acme\nARG TAG\nFROM ${REGISTRY}/base:${TAG}\n').pinnedBase).toBe(false);
    expect(facts('ARG TAG\nFROM node:${TAG:-20.12}\n').baseImages[0]!.image).toBe('node:20.12');
    // An ARG after the first FROM is the stage's, not FROM's.
    expect(facts('FROM alpine:3.20\nARG BASE=node:20\nFROM $BASE\n').baseImages[0]!.image).toBe('$BASE');
  });

  it('reads continuation lines, the escape directive, comments inside continuations and skips heredoc bodies', () => {
    const text = [
      '# escape=`', // 1
      'FROM mcr.microsoft.com/dotnet/aspnet:8.0 `', // 2
      '  AS runtime', // 3
      'RUN <<EOF', // 4
      'FROM evil:latest', // 5 (inside the heredoc)
      'USER root',
      'EOF',
      'HEALTHCHECK --interval=10s `', // 8
      '# a comment inside the continuation',
      '  CMD curl -f http://localhost/healthz',
      'USER app',
    ].join('\n');
    const parsed = parseDockerfile(text);
    expect(parsed.stages).toHaveLength(1);
    const d = dockerfileFacts('Dockerfile', parsed);
    expect(d.baseImages).toEqual([{ image: 'mcr.microsoft.com/dotnet/aspnet:8.0', line: 2, stage: 'runtime' }]);
    expect(d.nonRootFinalStage).toBe(true);
    expect(dockerHealthchecks('Dockerfile', parsed)).toEqual([{ file: 'Dockerfile', line: 8, excerpt: 'HEALTHCHECK --interval=10s ` # a comment inside the continuation CMD curl -f http://localhost/healthz' }]);
  });

  it('HEALTHCHECK NONE turns an inherited check off', () => {
    const parsed = parseDockerfile('FROM alpine:3.20 AS base\nHEALTHCHECK CMD true\nFROM base\nHEALTHCHECK NONE\n');
    expect(dockerHealthchecks('Dockerfile', parsed)).toEqual([]);
  });

  it('distroless :nonroot images run as non-root without a USER; a file without FROM says so', () => {
    expect(facts('FROM gcr.io/distroless/static-debian12:nonroot\n').nonRootFinalStage).toBe(true);
    expect(facts('# nothing\n')).toEqual({ file: 'Dockerfile', baseImages: [], pinnedBase: false, nonRootFinalStage: null, evidence: [{ file: 'Dockerfile', excerpt: 'no FROM instruction' }] });
  });
});

describe('isPinnedImage', () => {
  it.each([
    ['node:20.11-alpine', true],
    ['node:20', true],
    ['node:lts', false],
    ['node:latest', false],
    ['node', false],
    ['localhost:5000/team/app', false],
    ['localhost:5000/team/app:1.2', true],
    ['scratch', true],
    [`alpine@sha256:${'a'.repeat(64)}`, true],
    [`alpine:edge@sha256:${'b'.repeat(64)}`, true],
    ['gcr.io/distroless/nodejs20-debian12', false],
  ])('%s → %s', (image, pinned) => {
    expect(isPinnedImage(image)).toBe(pinned);
  });
});

describe('Dockerfile names and image builders', () => {
  it('recognises Dockerfile names', () => {
    expect(['Dockerfile', 'Containerfile', 'api.Dockerfile', 'Dockerfile.prod', 'dockerfile'].every(isDockerfileName)).toBe(true);
    expect(['Dockerfile.dockerignore', 'docker-compose.yml', 'Dockerfiles.md'].some(isDockerfileName)).toBe(false);
  });

  it('finds buildpacks (spring-boot build-image, bootBuildImage, project.toml, pack build) and ko', () => {
    const files = filesFromMap({
      'pom.xml': [
        '<project><artifactId>a</artifactId><build><plugins>', // 1
        '  <plugin>',
        '    <artifactId>spring-boot-maven-plugin</artifactId>', // 3
        '    <executions><execution><goals>',
        '      <goal>build-image-no-fork</goal>', // 5
        '    </goals></execution></executions>',
        '  </plugin>',
        '</plugins></build></project>',
      ].join('\n'),
      'build.gradle.kts': 'plugins { id("org.springframework.boot") version "3.3.0" }\n// id("com.google.cloud.tools.jib")\ntasks.named<BootBuildImage>("bootBuildImage") {\n  imageName.set("acme/app")\n}\n',
      'project.toml': '[_]\nschema-version = "0.2"\n\n[io.buildpacks]\nbuilder = "paketobuildpacks/builder-jammy-base"\n',
      'Makefile': 'image:\n\tpack build acme/app --builder paketobuildpacks/builder-jammy-base\n# ko build ./cmd/app\n',
      'package.json': '{\n  "scripts": {\n    "image": "ko build ./cmd/app"\n  }\n}\n',
    });
    expect(detectImageBuilders(files, '.')).toEqual([
      {
        name: 'buildpacks',
        evidence: [
          { file: 'Makefile', line: 2, excerpt: 'pack build acme/app --builder paketobuildpacks/builder-jammy-base' },
          { file: 'build.gradle.kts', line: 3, excerpt: 'tasks.named<BootBuildImage>("bootBuildImage") {' },
          { file: 'pom.xml', line: 5, excerpt: '<goal>build-image-no-fork</goal>' },
          { file: 'project.toml', line: 1, excerpt: '[_]' },
        ],
      },
      { name: 'ko', evidence: [{ file: 'package.json', line: 3, excerpt: '"image": "ko build ./cmd/app"' }] },
    ]);
  });
});
