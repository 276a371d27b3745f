// The rollout gate (docs/runbook.md, section 7): workflow code may change only together with the recorded histories
// that the replay test (test/replay.test.ts) checks later changes against. test/histories/MANIFEST.json names the
// workflow code (a SHA-256 of every file under workflows/ and of the workflow interceptors in worker/ the bundle
// adds: SANDBOX_FILES) that the newest histories were recorded for; CI
// (scripts/check-deployment.sh) fails when today's code is not that code.
//   npm run workflow-gate                    check (exit 1 when the workflow code changed since the manifest)
//   npm run workflow-gate -- --record v8     after recording test/histories/v8-*: this code has its histories
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const MANIFEST = 'test/histories/MANIFEST.json';
const HISTORIES = 'test/histories';

interface Manifest {
  /** the newest histories' version prefix (test/histories/<version>-*.history.pb) */
  version: string;
  workflowSourceSha256: string;
  recordedAt: string;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Code outside workflows/ that runs inside the workflow sandbox: the workflow interceptors the bundle adds. */
// (the same list gives them the sandbox's lint rules: eslint.config.js)
const SANDBOX_FILES = JSON.parse(fs.readFileSync(new URL('../worker/sandbox-files.json', import.meta.url), 'utf8')) as string[];

/** One hash of the workflow code: each file's path and content, in path order (line endings as committed). */
function workflowSourceHash(root = '.'): string {
  const hash = createHash('sha256');
  const files = [...filesUnder(path.join(root, 'workflows')).map((p) => path.relative(root, p)), ...SANDBOX_FILES];
  for (const f of files.sort()) {
    hash.update(f.split(path.sep).join('/')).update('\0').update(fs.readFileSync(path.join(root, f))).update('\0');
  }
  return hash.digest('hex');
}

const { values } = parseArgs({ options: { record: { type: 'string' } } });
const current = workflowSourceHash();
if (values.record) {
  const version = values.record;
  const recorded = fs.readdirSync(HISTORIES).filter((f) => f.startsWith(`${version}-`) && f.endsWith('.history.pb'));
  if (!/^v\d+$/.test(version) || recorded.length === 0) {
    console.error(`no recorded histories ${HISTORIES}/${version}-*.history.pb: record them first (docs/runbook.md, section 7)`);
    process.exit(2);
  }
  const manifest: Manifest = { version, workflowSourceSha256: current, recordedAt: new Date().toISOString().slice(0, 10) };
  fs.writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`${MANIFEST}: workflow code ${current.slice(0, 12)}… has its histories (${recorded.length} × ${version})`);
} else {
  const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as Manifest;
  if (manifest.workflowSourceSha256 !== current) {
    console.error(
      `workflows/ changed since the histories ${manifest.version}-* were recorded (${MANIFEST}).\n` +
        'Keep running cycles replayable: put the change behind patched(), run test/replay.test.ts, record histories of the new\n' +
        'paths and then `npm run workflow-gate -- --record <next version>` (docs/runbook.md, section 7).',
    );
    process.exit(1);
  }
  console.log(`workflow gate: workflows/ is the code the ${manifest.version} histories were recorded for`);
}
