import { describe, expect, it } from 'vitest';
import { RESOURCE_OUTPUTS } from '../model/placeholders.js';
import { environmentProvisioner } from './environment.js';
import { createProvisioners } from './index.js';
import { routeProvisioner } from './route.js';

const key = { environment: 'dev', component: 'orders-api', name: 'web' };

describe('route provisioner', () => {
  it('gives the router address of the workload, path default /', async () => {
    const route = routeProvisioner({ routerPort: 7070 });
    expect(await route.provision(key, { type: 'route' })).toEqual({
      type: 'route',
      outputs: { host: 'orders-api.dev.localhost', port: '7070', path: '/', url: 'http://orders-api.dev.localhost:7070/' },
      secretOutputs: [],
    });
    const api = await routeProvisioner({ routerPort: 80, routerHost: 'apps.example.com' }).provision(key, { type: 'route', params: { path: '/api' } });
    expect(api.outputs.url).toBe('http://orders-api.dev.apps.example.com:80/api');
    await expect(route.deprovision(key)).resolves.toBeUndefined();
  });

  it('refuses names that are not DNS labels and paths that are not paths', async () => {
    const route = routeProvisioner({ routerPort: 7070 });
    await expect(route.provision({ ...key, component: 'Orders_API' }, { type: 'route' })).rejects.toThrow(/DNS label/);
    await expect(route.provision(key, { type: 'route', params: { path: 'x y' } })).rejects.toThrow(/starting with \//);
  });

  it('says it is unavailable without a router port', async () => {
    const route = routeProvisioner({});
    expect(route.unavailable).toMatch(/no router configured/);
    await expect(route.provision(key, { type: 'route' })).rejects.toThrow(route.unavailable);
  });
});

describe('environment provisioner', () => {
  it('passes params through as strings', async () => {
    const res = await environmentProvisioner().provision(key, {
      type: 'environment',
      params: { mode: 'fast', retries: 3, debug: false, hosts: ['a', 'b'], limits: { rps: 5 }, none: null },
    });
    expect(res.outputs).toEqual({ mode: 'fast', retries: '3', debug: 'false', hosts: '["a","b"]', limits: '{"rps":5}', none: '' });
    expect(res.secretOutputs).toEqual([]);
  });
});

describe('createProvisioners', () => {
  it('has one provisioner per resource type, whose outputs are the ones placeholders may name', async () => {
    const provisioners = createProvisioners({ workspaceDir: '/nonexistent', secretKey: Buffer.alloc(32), routerPort: 1 });
    expect(Object.keys(provisioners).sort()).toEqual(Object.keys(RESOURCE_OUTPUTS).sort());
    for (const [type, p] of Object.entries(provisioners)) expect(p.type).toBe(type);
    const route = await provisioners.route.provision(key, { type: 'route' });
    expect(Object.keys(route.outputs).sort()).toEqual([...(RESOURCE_OUTPUTS.route as string[])].sort());
  });

  it('refuses a short secret key', () => {
    expect(() => createProvisioners({ workspaceDir: '/w', secretKey: Buffer.alloc(16) })).toThrow(/at least 32 bytes/);
  });
});
