import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromDirectory, filesFromMap, scanProblems } from './files.js';
import { declaredDependencies, detectBuildTools, detectLanguages, readPom, readToml, stripComments } from './stack.js';

const fixture = (name: string) => filesFromDirectory(join(import.meta.dirname, 'fixtures', name));

describe('stripComments', () => {
  it('blanks C-style comments, keeps lines and offsets, and leaves strings that look like comments', () => {
    const text = "const url = 'https://x.dev'; // note\n/* a\n b */ let s = \"/* no */\";\n";
    const clean = stripComments(text, 'c');
    expect(clean).toHaveLength(text.length);
    expect(clean.split('\n')).toEqual(["const url = 'https://x.dev';        ", '    ', '      let s = "/* no */";', '']);
  });

  it('keeps only module names in imports mode', () => {
    const text = "import a from 'pino';\nconst b = require(\"prom-client\");\nconst c = 'prom-client';\nconst d = await import('x');\nexport * from './y.js';\n";
    const modules: string[] = [];
    const clean = stripComments(text, 'c', 'imports', (s, e) => modules.push(text.slice(s, e)));
    expect(modules).toEqual(['pino', 'prom-client', 'x', './y.js']);
    expect(clean).toContain("const c = '           ';");
  });

  it('handles Python comments, triple-quoted strings and hash comments that need a space before them', () => {
    const py = '"""Doc: import opentelemetry"""\nimport structlog  # import prometheus_client\nx = "#not"\n';
    expect(stripComments(py, 'python', 'blank')).toBe(`"""${' '.repeat(25)}"""\nimport structlog${' '.repeat(28)}\nx = "    "\n`);
    expect(stripComments('a#b # c\n', 'hash')).toBe('a#b    \n');
  });

  it('blanks XML comments across lines', () => {
    expect(stripComments('<a/><!-- <b/>\n<c/> --><d/>', 'xml')).toBe('<a/>         \n        <d/>');
  });
});

describe('build-file readers', () => {
  it('reads TOML tables, keys and multi-line arrays with their lines', () => {
    const files = filesFromMap({
      'pyproject.toml': '[project]\nname = "svc" # the name\ndependencies = [\n  "fastapi>=0.110",\n  "structlog",\n]\n\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n',
    });
    const entries = readToml(files, 'pyproject.toml')!;
    expect(entries.map((e) => [e.table, e.tableLine, e.key, e.line])).toEqual([
      ['project', 1, 'name', 2],
      ['project', 1, 'dependencies', 3],
      ['tool.poetry.group.dev.dependencies', 8, 'pytest', 9],
    ]);
    expect(entries[0]!.value).toBe('"svc"');
    expect(entries[1]!.items).toEqual([{ value: 'fastapi>=0.110', line: 4 }, { value: 'structlog', line: 5 }]);
  });

  it('reads a POM: own artifactId, modules, dependencies outside dependencyManagement, plugins outside pluginManagement, parent in the repository', () => {
    const files = filesFromMap({
      'pom.xml': [
        '<project>',
        '  <artifactId>parent</artifactId>',
        '  <modules><module>svc</module></modules>',
        '  <dependencies>',
        '    <dependency><groupId>io.prometheus</groupId><artifactId>simpleclient</artifactId></dependency>',
        '  </dependencies>',
        '</project>',
      ].join('\n'),
      'svc/pom.xml': [
        '<project>',
        '  <parent><artifactId>parent</artifactId></parent>',
        '  <artifactId>svc</artifactId>',
        '  <dependencyManagement><dependencies>',
        '    <dependency><groupId>io.opentelemetry</groupId><artifactId>opentelemetry-bom</artifactId></dependency>',
        '  </dependencies></dependencyManagement>',
        '  <dependencies>',
        '    <dependency>',
        '      <groupId>org.junit</groupId>',
        '      <artifactId>junit</artifactId>',
        '      <scope>test</scope>',
        '    </dependency>',
        '  </dependencies>',
        '  <build><pluginManagement><plugins><plugin><artifactId>jib-maven-plugin</artifactId></plugin></plugins></pluginManagement>',
        '  <plugins><plugin><artifactId>maven-surefire-plugin</artifactId></plugin></plugins></build>',
        '</project>',
      ].join('\n'),
    });
    const svc = readPom(files, 'svc/pom.xml')!;
    expect(svc.artifactId).toEqual({ value: 'svc', line: 3 });
    expect(svc.parentPath).toBe('pom.xml');
    expect(svc.dependencies).toEqual([{ groupId: 'org.junit', artifactId: 'junit', scope: 'test', line: 10 }]);
    expect(svc.plugins.map((p) => [p.artifactId, p.line])).toEqual([['maven-surefire-plugin', 15]]);
    expect(readPom(files, 'pom.xml')!.modules).toEqual(['svc']);
    // Dependencies are inherited from the parent POM.
    expect(declaredDependencies(files, 'svc/pom.xml').map((d) => [d.name, d.runtime, d.file, d.line])).toEqual([
      ['org.junit:junit', false, 'svc/pom.xml', 10],
      ['io.prometheus:simpleclient', true, 'pom.xml', 5],
    ]);
  });

  it('reads Gradle, go.mod, requirements, Pipfile, Cargo, csproj and Gemfile declarations with runtime or not', () => {
    const files = filesFromMap({
      'build.gradle.kts': 'dependencies {\n    implementation("io.opentelemetry:opentelemetry-api:1.38.0")\n    // implementation("io.prometheus:simpleclient")\n    testImplementation("org.junit.jupiter:junit-jupiter")\n    runtimeOnly(libs.micrometer.prometheus)\n}\n',
      'go.mod': 'module x\n\nrequire github.com/rs/zerolog v1.32.0\nrequire (\n\tgo.uber.org/zap v1.27.0 // indirect\n)\n',
      'requirements-dev.txt': 'pytest==8\n',
      'requirements.txt': '-r base.txt\n# prometheus-client\nstructlog>=24 ; python_version > "3.8"\n',
      'Pipfile': '[packages]\nopentelemetry-sdk = "*"\n\n[dev-packages]\nblack = "*"\n',
      'Cargo.toml': '[dependencies]\ntracing-subscriber = { version = "0.3", features = ["json", "env-filter"] }\n\n[dependencies.prometheus]\nversion = "0.13"\n\n[dev-dependencies]\ntokio-test = "0.4"\n',
      'Api.csproj': '<Project>\n  <ItemGroup>\n    <PackageReference Include="OpenTelemetry.Extensions.Hosting" Version="1.8.1" />\n  </ItemGroup>\n</Project>\n',
      'Gemfile': "source 'https://rubygems.org'\ngem 'rails'\ngroup :development, :test do\n  gem 'rspec'\nend\ngem 'prometheus-client'\n",
    });
    const view = (p: string) => declaredDependencies(files, p).map((d) => `${d.name}@${d.line}${d.runtime ? '' : ' (dev)'}`);
    expect(view('build.gradle.kts')).toEqual(['io.opentelemetry:opentelemetry-api@2', 'org.junit.jupiter:junit-jupiter@4 (dev)', 'libs.micrometer.prometheus@5']);
    expect(view('go.mod')).toEqual(['github.com/rs/zerolog@3', 'go.uber.org/zap@5 (dev)']);
    expect(view('requirements-dev.txt')).toEqual(['pytest@1 (dev)']);
    expect(view('requirements.txt')).toEqual(['structlog@3']);
    expect(view('Pipfile')).toEqual(['opentelemetry-sdk@2', 'black@5 (dev)']);
    expect(view('Cargo.toml')).toEqual(['tracing-subscriber@2', 'prometheus@4', 'tokio-test@8 (dev)']);
    expect(declaredDependencies(files, 'Cargo.toml')[0]!.detail).toContain('"json"');
    expect(view('Api.csproj')).toEqual(['OpenTelemetry.Extensions.Hosting@3']);
    expect(view('Gemfile')).toEqual(['rails@2', 'rspec@4 (dev)', 'prometheus-client@6']);
  });

  it('reports a package.json that is not JSON, with its line', () => {
    const files = filesFromMap({ 'package.json': '{\n  "name": "x",\n  "dependencies": {\n}\n' });
    expect(declaredDependencies(files, 'package.json')).toEqual([]);
    expect(scanProblems(files)).toEqual([{ file: 'package.json', line: 5, message: expect.stringMatching(/^not valid JSON: /) as unknown as string }]);
  });
});

describe('detectLanguages', () => {
  it('counts sources per language, most first, with the build file', async () => {
    const files = filesFromMap({
      'package.json': '{"name":"x"}',
      'tsconfig.json': '{}',
      'src/a.ts': '',
      'src/b.tsx': '',
      'src/types.d.ts': '',
      'scripts/gen.mjs': '',
      'eslint.config.js': '',
    });
    expect(detectLanguages(files, '.')).toEqual([
      { name: 'typescript', evidence: [{ file: 'package.json' }, { file: 'src/a.ts', excerpt: '2 typescript source files' }, { file: 'src/b.tsx' }] },
      { name: 'javascript', evidence: [{ file: 'package.json' }, { file: 'scripts/gen.mjs', excerpt: '1 javascript source file' }] },
    ]);
    expect((await fixture('java-service')).paths()).toContain('pom.xml');
  });

  it('falls back to the build file when a family has no sources', () => {
    expect(detectLanguages(filesFromMap({ 'go.mod': 'module x\n' }), '.')).toEqual([{ name: 'go', evidence: [{ file: 'go.mod' }] }]);
    expect(detectLanguages(filesFromMap({ 'build.gradle.kts': '', 'src/main/kotlin/App.kt': '' }), '.')).toEqual([
      { name: 'kotlin', evidence: [{ file: 'build.gradle.kts' }, { file: 'src/main/kotlin/App.kt', excerpt: '1 kotlin source file' }] },
    ]);
  });

  it('fixtures: one language per service', async () => {
    expect(detectLanguages(await fixture('go-service'), '.').map((l) => [l.name, l.evidence[1]?.excerpt])).toEqual([['go', '3 go source files']]);
    expect(detectLanguages(await fixture('python-service'), '.').map((l) => l.name)).toEqual(['python']);
    expect(detectLanguages(await fixture('monorepo'), 'services/api').map((l) => l.name)).toEqual(['javascript']);
  });
});

describe('detectBuildTools', () => {
  it('node-service: pnpm by packageManager (package.json:6) and pnpm-lock.yaml', async () => {
    expect(detectBuildTools(await fixture('node-service'), '.')).toEqual([
      { name: 'pnpm', evidence: [{ file: 'package.json', line: 6, excerpt: '"packageManager": "pnpm@9.1.0",' }, { file: 'pnpm-lock.yaml' }] },
    ]);
  });

  it('monorepo: workspace members use the root lock file; the uv worker its own', async () => {
    const files = await fixture('monorepo');
    expect(detectBuildTools(files, 'services/web')).toEqual([{ name: 'npm', evidence: [{ file: 'package-lock.json' }] }]);
    expect(detectBuildTools(files, 'services/worker')).toEqual([
      { name: 'uv', evidence: [{ file: 'services/worker/uv.lock' }, { file: 'services/worker/pyproject.toml', line: 11, excerpt: '[tool.uv]' }] },
    ]);
  });

  it('python-service: poetry (poetry.lock, [tool.poetry] at pyproject.toml:1) and pip (requirements.txt)', async () => {
    expect(detectBuildTools(await fixture('python-service'), '.')).toEqual([
      { name: 'poetry', evidence: [{ file: 'poetry.lock' }, { file: 'pyproject.toml', line: 1, excerpt: '[tool.poetry]' }] },
      { name: 'pip', evidence: [{ file: 'requirements.txt' }] },
    ]);
  });

  it('Maven, Gradle, Go, yarn, bun, .NET, Cargo, bundler, composer, sbt, pipenv', async () => {
    expect(detectBuildTools(await fixture('java-service'), '.').map((t) => t.name)).toEqual(['maven']);
    const tools = (files: Record<string, string>) => detectBuildTools(filesFromMap(files), '.').map((t) => t.name);
    expect(tools({ 'build.gradle': '', 'gradlew': '' })).toEqual(['gradle']);
    expect(tools({ 'package.json': '{}', 'yarn.lock': '' })).toEqual(['yarn']);
    expect(tools({ 'package.json': '{"packageManager":"bun@1.1.0"}' })).toEqual(['bun']);
    expect(tools({ 'Api.csproj': '', 'Api.sln': '' })).toEqual(['dotnet']);
    expect(tools({ 'Cargo.toml': '[package]\nname="x"\n' })).toEqual(['cargo']);
    expect(tools({ 'Gemfile': '', 'composer.json': '{}' })).toEqual(['bundler', 'composer']);
    expect(tools({ 'build.sbt': '' })).toEqual(['sbt']);
    expect(tools({ 'Pipfile': '[packages]\n' })).toEqual(['pipenv']);
    expect(tools({ 'pyproject.toml': '[project]\nname = "x"\n' })).toEqual(['pip']);
  });

  it('assumes npm for a package.json without a lock file, and says so', () => {
    expect(detectBuildTools(filesFromMap({ 'package.json': '{"name":"x"}' }), '.')).toEqual([
      { name: 'npm', evidence: [{ file: 'package.json', excerpt: 'no lock file or packageManager field: npm assumed' }] },
    ]);
  });
});
