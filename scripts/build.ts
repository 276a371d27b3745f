// `npm run build`: what the container image runs, compiled once at image build time instead of at every start.
//   dist/api.js, dist/worker.js, dist/migrate.js  the processes, TypeScript compiled by esbuild (one file each; npm
//                                                packages stay imports from node_modules)
//   dist/render-thread.js                        the worker's document-rendering threads (templates/render-pool.ts)
//   dist/workflow-bundle.js                      the workflow bundle the worker loads (WORKFLOW_BUNDLE_PATH) instead
//                                                of bundling workflows/ (and worker/workflow-interceptors.ts) with
//                                                webpack when it starts
// dist/ sits one level below the project root, like config/, so paths computed from config's projectRoot (the
// migrations folder) stay right. Type checking is `npx tsc --noEmit`, run before this in the image build.
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { projectRoot } from '../config';
import { bundleWorkflows } from '../worker/create-worker';

const dist = path.join(projectRoot, 'dist');

// npm packages stay imports, resolved by Node at run time. Node's ESM resolution wants the file extension on a deep
// import into a package without an "exports" map (`@temporalio/common/lib/time`; tsx and bundlers accept it
// without): add `.js` where that file is what the import means.
const deepImportExtensions: Plugin = {
  name: 'deep-import-extensions',
  setup(b) {
    b.onResolve({ filter: /^(@[^/]+\/)?[^./][^/]*\/.+/ }, (args) => {
      const m = /^((?:@[^/]+\/)?[^/]+)\/(.+)$/.exec(args.path)!;
      const pkgDir = path.join(projectRoot, 'node_modules', m[1]!);
      let spec = args.path;
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { exports?: unknown };
        const file = path.join(pkgDir, m[2]!);
        if (!pkg.exports && !fs.existsSync(file) && fs.existsSync(`${file}.js`)) spec = `${args.path}.js`;
      } catch {
        // not an installed package (a Node built-in such as node:timers/promises): leave it
      }
      return { path: spec, external: true };
    });
  },
};
const started = Date.now();
fs.rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: { api: 'api/server.ts', worker: 'worker/main.ts', migrate: 'scripts/migrate.ts', 'render-thread': 'templates/render-thread.ts' },
  absWorkingDir: projectRoot,
  outdir: dist,
  bundle: true,
  packages: 'external',
  plugins: [deepImportExtensions],
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  logLevel: 'warning',
});
// the same bundle the worker makes when it starts: workflows/ with the workflow interceptors (request IDs, tracing)
const { code } = await bundleWorkflows();
fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
console.log(`built ${fs.readdirSync(dist).join(', ')} in dist/ (${Date.now() - started} ms)`);
