// `npm run console:types`: writes console/api-types.d.ts from the API's OpenAPI document (no database or Temporal);
// `npm run typecheck` and scripts/test.sh run it before `tsc -p console`.
import { CONSOLE_TYPES_FILE, writeConsoleTypes } from './lib/console-types';

await writeConsoleTypes();
console.log(`wrote ${CONSOLE_TYPES_FILE}`);
