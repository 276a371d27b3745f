// Prints the API's OpenAPI document (the one /docs/json serves) without a database or Temporal: for linting and
// for generating typed clients. `npm run openapi > openapi.json`; `npm run openapi:lint` checks it with Redocly.
import fs from 'node:fs';
import { buildApp } from '../api/app';
import { loadConfig } from '../config';

// the identity provider's discovery URL goes into the document's security scheme: the configured one
const config = loadConfig();
const app = await buildApp({ db: {} as never, temporal: {} as never, config: { ...config, LOG_LEVEL: 'warn' }, logger: false });
await app.ready();
const doc = `${JSON.stringify(app.swagger(), null, 2)}\n`;
const out = process.argv[2];
if (out) fs.writeFileSync(out, doc);
else process.stdout.write(doc);
await app.close();
