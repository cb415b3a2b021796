#!/usr/bin/env node
// The `gantry` command. Gantry runs its TypeScript sources through tsx's loader (see docs/adr/0002),
// so there is no build step between a clone and a running platform.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
