import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';

/** The repository root, and where the browser tests leave their screenshots (look at them). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHOTS = join(ROOT, 'test-results', 'screenshots');

/** Headless Chromium as CI runs it: no sandbox (containers), nothing reaching the network on its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Builds the portal when web/dist is missing, makes the screenshot folder, and starts Chromium (CHROMIUM_PATH). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) {
    await execa(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts'], { cwd: ROOT });
  }
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** `expect.poll` with a default timeout: what the page shows eventually, checked every 100 ms. */
export function eventuallyWithin(defaultTimeoutMs: number) {
  return <T>(fn: () => T | Promise<T>, options: { timeout?: number } = {}) => expect.poll(fn, { timeout: defaultTimeoutMs, interval: 100, ...options });
}
