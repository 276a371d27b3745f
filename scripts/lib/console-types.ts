// The console's API types (console/api-types.d.ts), generated from the OpenAPI document with openapi-typescript.
// Generated, not committed (.gitignore): `npm run console:types` writes them, and so does every type check of the
// console (`npm run typecheck`, scripts/test.sh) before `tsc -p console`, so the console is always checked against the
// API as it is. test/console.test.ts checks that the document they are generated from is the one the API serves.
import fs from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { buildApp } from '../../api/app';
import { loadConfig, projectRoot } from '../../config';

export const CONSOLE_TYPES_FILE = 'console/api-types.d.ts';

export async function consoleTypesOf(openapiDocument: object): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(openapiDocument as Parameters<typeof openapiTS>[0]));
}

/** The types from the API's document as the app builds it with no database or Temporal behind it. */
export async function generateConsoleTypes(): Promise<string> {
  const app = await buildApp({ db: {} as never, temporal: {} as never, config: { ...loadConfig(), LOG_LEVEL: 'warn' }, logger: false });
  try {
    await app.ready();
    return await consoleTypesOf(app.swagger());
  } finally {
    await app.close();
  }
}

export async function writeConsoleTypes(): Promise<void> {
  fs.writeFileSync(path.join(projectRoot, CONSOLE_TYPES_FILE), await generateConsoleTypes());
}
