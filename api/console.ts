// The web console (console/): static files served by the API, public because they hold no data. Every data call the
// console makes goes to the API's routes with the signed-in user's bearer token. No build step: the console is plain
// ES modules, and the few libraries it uses are served from node_modules under /console/vendor/ (an import map in
// index.html names them; the page's CSP allows that one inline script by its hash).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { projectRoot } from '../config';
import { ROLE_TABLE } from './auth/roles';

export const CONSOLE_PATH = '/console';
const CONSOLE_DIR = path.join(projectRoot, 'console');

/** The libraries the import map names, by the file the console asks for (direct dependencies: top-level in node_modules). */
const VENDOR: Record<string, string> = {
  'preact.js': 'preact/dist/preact.mjs',
  'preact-hooks.js': 'preact/hooks/dist/hooks.mjs',
  'htm.js': 'htm/dist/htm.module.js',
  'htm-preact.js': 'htm/preact/index.module.js',
  'openapi-fetch.js': 'openapi-fetch/dist/index.mjs',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

function asset(file: string, body: Buffer = fs.readFileSync(file)): Asset {
  return { type: TYPES[path.extname(file)] ?? 'application/octet-stream', body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Every file the console serves, read once: a request names one of these or gets 404 (no path is ever joined). */
function consoleAssets(config: { issuer: string; clientId: string }): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(html|js|css|svg)$/.test(entry.name)) assets.set(path.relative(CONSOLE_DIR, full).split(path.sep).join('/'), asset(full));
    }
  };
  walk(CONSOLE_DIR);
  for (const [name, module] of Object.entries(VENDOR)) assets.set(`vendor/${name}`, asset(path.join(projectRoot, 'node_modules', module)));
  // where to sign in (the API's own provider settings, so the console needs no configuration of its own), and each
  // role's scopes, so the console offers only the pages a role may read (the API refuses the rest anyway)
  const roles = Object.fromEntries(Object.entries(ROLE_TABLE).map(([role, r]) => [role, r.scopes]));
  assets.set('config.json', asset('config.json', Buffer.from(JSON.stringify({ ...config, roles }))));
  return assets;
}

/** The page's policy: scripts from this origin and the import map; calls to the API and the provider's token endpoint. */
function pageCsp(html: string, issuerOrigin: string, production: boolean): string {
  const inline = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src 'self' ${inline.join(' ')}`,
    `connect-src 'self' ${issuerOrigin}`,
    // server-rendered chart SVGs carry style attributes
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    ...(production ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

export async function consoleRoutes(app: FastifyInstance, opts: { issuer: string; clientId: string; production: boolean }) {
  const assets = consoleAssets({ issuer: opts.issuer, clientId: opts.clientId });
  const index = assets.get('index.html')!;
  const csp = pageCsp(index.body.toString('utf8'), new URL(opts.issuer).origin, opts.production);
  const publicAsset = { config: { access: 'public' as const }, schema: { hide: true } };

  app.get(CONSOLE_PATH, publicAsset, async (_req, reply) => reply.redirect(`${CONSOLE_PATH}/`));
  app.get(`${CONSOLE_PATH}/*`, publicAsset, async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    // the console's own paths (#/… routes aside, a reload of /console/ or of the sign-in return) answer the page
    const file = name === '' ? index : assets.get(name);
    if (!file) return reply.code(404).type('text/plain').send(`no file ${name} in the console`);
    void reply.header('content-type', file.type).header('etag', file.etag).header('cache-control', 'no-cache');
    if (file === index) void reply.header('content-security-policy', csp);
    if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  });
}
