import type { ActionId } from '../../model/template.js';
import type { Action } from '../types.js';
import { fetchPlain, fetchTemplate } from './fetch.js';
import { debugLog, fsDelete, fsRename } from './fs.js';
import { publishGit, publishGithub, publishGitlab } from './publish.js';
import { catalogRegister } from './register.js';

/** Every action Gantry runs, by id. Must match SUPPORTED_ACTIONS (the load-time check). */
export const ACTIONS: Record<ActionId, Action> = {
  'fetch:template': fetchTemplate,
  'fetch:plain': fetchPlain,
  'fs:rename': fsRename,
  'fs:delete': fsDelete,
  'debug:log': debugLog,
  'publish:git': publishGit,
  'publish:github': publishGithub,
  'publish:gitlab': publishGitlab,
  'catalog:register': catalogRegister,
};

export { deleteForgeResource, PROVENANCE, stampProvenance } from './publish.js';
