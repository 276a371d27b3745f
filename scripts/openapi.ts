// Prints the API's OpenAPI document (the one /docs/json serves) without a database or Temporal: for linting and
// for generating typed clients.
import { buildApp } from '../api/app';

const app = await buildApp({ db: {} as never, temporal: {} as never, config: { CYCLE_TIMINGS: {}, LOG_LEVEL: 'warn', RESERVE_CHECK_INTERVAL: '1m', NON_RETURN_BLOCK_YEARS: 3 } as never, logger: false });
await app.ready();
process.stdout.write(app.swagger() ? JSON.stringify(app.swagger(), null, 2) : '');
await app.close();
