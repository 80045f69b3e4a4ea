export { directorySize, type InstallSize, installSize, megabytes } from './install-size.js';
export {
  type Manifest,
  manifest,
  PUBLISHED,
  type PublishedPackage,
  pack,
  REPO_ROOT,
  REPOSITORY_URL,
  tarballFiles,
} from './published.js';
export { type Run, run, runOk, userEnv } from './run.js';
