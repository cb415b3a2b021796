/**
 * Hosting: bare git repositories in the workspace, served over git's smart HTTP protocol with token auth.
 * Other domains import only this file. The server mounts {@link gitHttpHandler} at `/git/*` and wires
 * `onPush` to whatever must follow a push (catalog refresh, pipelines).
 */
export {
  assertRepoName,
  cloneUrlOf,
  createRepoHost,
  refUpdates,
  type CreateRepoInput,
  type PushEvent,
  type PushSession,
  type RefUpdate,
  type RepoHost,
  type RepoHostOptions,
  type RepoTable,
  type RepoView,
} from './repos.js';
export { gitHttpHandler, parseGitRequest, tokenOf, type GitHttpOptions } from './http.js';
