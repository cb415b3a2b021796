/**
 * Where delivery facts come from outside Gantry: GitHub and GitLab webhooks (signature checks and pure payload
 * parsers, so stored payloads can be parsed again after a fix) and bulk import files (JSON lines, CSV).
 */
export { verifyGithubSignature, verifyGitlabToken } from './signatures.js';
export { parseGithub } from './github.js';
export { parseGitlab } from './gitlab.js';
export { parseImport, MAX_IMPORT_PROBLEMS, type ImportFormat } from './importFile.js';
export { normalizeTime } from './time.js';
