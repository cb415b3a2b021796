import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeServerUrl, readUserConfig, resolveConnection, userConfigPath, writeUserConfig } from './client.js';
import { CliError } from './errors.js';

let dir: string;
let cwd: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-client-'));
  cwd = join(dir, 'project');
  await mkdir(join(cwd, '.gantry'), { recursive: true });
  env = { XDG_CONFIG_HOME: join(dir, 'config'), HOME: dir };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function workspace(url: string | null, token: string | null) {
  if (url) await writeFile(join(cwd, '.gantry', 'server.json'), JSON.stringify({ url, pid: 1 }));
  if (token) await writeFile(join(cwd, '.gantry', 'admin-token'), token + '\n');
}

describe('resolveConnection', () => {
  it('prefers flags, then GANTRY_URL/GANTRY_TOKEN, then the workspace, then the user config', async () => {
    await workspace('http://127.0.0.1:7007', 'ws-token');
    await writeUserConfig({ server: 'http://user.example:1', token: 'user-token' }, env);

    expect(await resolveConnection({ cwd, env, server: 'http://flag.example/', token: 'flag-token' })).toMatchObject({
      url: 'http://flag.example',
      token: 'flag-token',
      urlSource: '--server',
      tokenSource: '--token',
    });
    expect(
      await resolveConnection({ cwd, env: { ...env, GANTRY_URL: 'https://env.example:8443', GANTRY_TOKEN: 'env-token' } }),
    ).toMatchObject({ url: 'https://env.example:8443', token: 'env-token', urlSource: 'GANTRY_URL', tokenSource: 'GANTRY_TOKEN' });
    expect(await resolveConnection({ cwd, env })).toMatchObject({
      url: 'http://127.0.0.1:7007',
      token: 'ws-token',
      urlSource: './.gantry/server.json',
      tokenSource: './.gantry/admin-token',
    });
    expect(await resolveConnection({ cwd: dir, env })).toMatchObject({
      url: 'http://user.example:1',
      token: 'user-token',
      tokenSource: userConfigPath(env),
    });
  });

  it('sends a stored token only to the server it was stored for', async () => {
    await workspace('http://127.0.0.1:7007', 'ws-token');
    await writeUserConfig({ server: 'http://user.example:1', token: 'user-token' }, env);
    const elsewhere = await resolveConnection({ cwd, env, server: 'http://other.example' });
    expect(elsewhere.token).toBeNull();
    expect(elsewhere.skippedTokens).toEqual([
      './.gantry/admin-token (for http://127.0.0.1:7007)',
      `${userConfigPath(env)} (for http://user.example:1)`,
    ]);
    // The same server named explicitly still gets its token.
    expect((await resolveConnection({ cwd, env, server: 'http://127.0.0.1:7007/' })).token).toBe('ws-token');
    expect((await resolveConnection({ cwd, env, server: 'http://user.example:1' })).token).toBe('user-token');
  });

  it('fails with a hint when no server is known', async () => {
    await expect(resolveConnection({ cwd: dir, env })).rejects.toThrow(/no Gantry server is configured/);
  });

  it('does not read a broken user config when flags say everything', async () => {
    await mkdir(join(dir, 'config', 'gantry'), { recursive: true });
    await writeFile(join(dir, 'config', 'gantry', 'config.json'), '{ not json');
    const c = await resolveConnection({ cwd: dir, env, server: 'http://a.example', token: 't' });
    expect(c.token).toBe('t');
    await expect(resolveConnection({ cwd: dir, env })).rejects.toThrow(/config\.json: expected a JSON object/);
  });
});

describe('user config', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(userConfigPath({ XDG_CONFIG_HOME: '/x', HOME: '/home/a' })).toBe('/x/gantry/config.json');
    expect(userConfigPath({ HOME: '/home/a' })).toBe('/home/a/.config/gantry/config.json');
  });

  it('is written readable by its owner only and read back', async () => {
    const path = await writeUserConfig({ server: 'http://s.example', token: 'secret' }, env);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'config', 'gantry'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ server: 'http://s.example', token: 'secret' });
    expect(await readUserConfig(env)).toEqual({ server: 'http://s.example', token: 'secret' });
  });
});

describe('normalizeServerUrl', () => {
  it('keeps a base path and drops trailing slashes', () => {
    expect(normalizeServerUrl('https://gantry.example.com/platform/')).toBe('https://gantry.example.com/platform');
    expect(normalizeServerUrl(' http://127.0.0.1:7007 ')).toBe('http://127.0.0.1:7007');
  });

  it('rejects what is not an http(s) URL, naming the source', () => {
    expect(() => normalizeServerUrl('localhost:7007', 'GANTRY_URL')).toThrow(CliError);
    expect(() => normalizeServerUrl('ftp://x', 'GANTRY_URL')).toThrow('GANTRY_URL: expected an http:// or https:// URL, found "ftp://x"');
  });
});
