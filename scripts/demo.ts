// `npm run demo`: seeds a small season in progress (scripts/lib/demo-season.ts) into the running `npm start`.
import { loadConfig } from '../config';
import { seedDefaultDemo } from './lib/demo-season';

const config = loadConfig();
const host = config.API_HOST === '0.0.0.0' || config.API_HOST === '::' ? '127.0.0.1' : config.API_HOST;
await seedDefaultDemo(`http://${host}:${config.API_PORT}`, config.OIDC_ISSUER, (line) => console.log(`demo: ${line}`));
