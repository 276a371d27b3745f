// `npm run build`: what the container image runs, compiled once at image build time instead of at every start.
//   dist/api.js, dist/worker.js, dist/migrate.js  the processes, TypeScript compiled by esbuild (one file each; npm
//                                                packages stay imports from node_modules)
//   dist/workflow-bundle.js                      the workflow bundle the worker loads (WORKFLOW_BUNDLE_PATH) instead
//                                                of bundling workflows/ with webpack when it starts
// dist/ sits one level below the project root, like config/, so paths computed from config's projectRoot (the
// migrations folder) stay right. Type checking is `npx tsc --noEmit`, run before this in the image build.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { projectRoot } from '../config';
import { workflowsPath } from '../worker/create-worker';

const dist = path.join(projectRoot, 'dist');
const started = Date.now();
fs.rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: { api: 'api/server.ts', worker: 'worker/main.ts', migrate: 'scripts/migrate.ts' },
  absWorkingDir: projectRoot,
  outdir: dist,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  logLevel: 'warning',
});
const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
console.log(`built ${fs.readdirSync(dist).join(', ')} in dist/ (${Date.now() - started} ms)`);
