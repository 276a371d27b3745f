// The console's campaign dashboard with a season's worth of workers: `npm run bench:console -- --workers 20000`.
// Starts the bench's own stack (bench/lib/infra.ts: PostgreSQL, Temporal dev server, OpenID provider, worker, API),
// creates a campaign through the API, writes N people and their cycles straight into PostgreSQL, spread over the
// stages, provinces and both offers (the dashboard reads PostgreSQL only), then opens the dashboard in Debian's
// Chromium (scripts/ensure-chromium.sh) signed in as the coordinator and measures, over --runs loads: the first
// contentful paint and the time until the dashboard's figures are on screen, and the API's answer time for the
// campaign view. Writes bench-results/console-paint-<N>-<ts>.json. Speed targets live here, never in tests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { chromium } from 'playwright-core';
import { loadConfig, projectRoot } from '../config';
import { startInfra, type Infra } from './lib/infra';
import { clientCredentialsToken } from '../scripts/lib/client-credentials';
import { demoIdentity } from '../scripts/lib/demo-identities';

const { values: args } = parseArgs({ options: { workers: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } } });
const WORKERS = Number(args.workers);
const RUNS = Number(args.runs);
const benchDir = path.join(projectRoot, '.data', 'bench-console');
const log = (m: string) => console.log(`[console-paint ${new Date().toISOString().slice(11, 19)}] ${m}`);
const STAGES = ['preselected', 'selected', 'authorised', 'visa_submitted', 'visa_issued', 'ready_to_depart', 'convoked', 'in_season', 'closed'];
const PROVINCES = ['Kénitra', 'Larache', 'Khouribga', 'Settat', 'Béni Mellal', 'Taounate'];

let infra: Infra | undefined;
try {
  fs.rmSync(benchDir, { recursive: true, force: true });
  fs.mkdirSync(benchDir, { recursive: true });
  infra = await startInfra({ config: loadConfig(), benchDir, log, engine: 'dev', reserveCheckInterval: '1h' });
  const token = clientCredentialsToken({ issuer: infra.oidc.issuer, clientId: demoIdentity('coordinator').clientId, clientSecret: demoIdentity('coordinator').clientSecret });
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${infra!.apiUrl}${url}`, { method, headers: { authorization: `Bearer ${await token()}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const campaignId = `paint-${Date.now().toString(36)}`;
  // an offer has at most 5,000 posts: as many farms as that takes, at least two
  const farms = Math.max(2, Math.ceil(WORKERS / 4500));
  const offer = (i: number) => ({
    employer: { id: `B219${String(i).padStart(5, '0')}`, name: `Finca ${i} SL`, province: 'Huelva', municipality: 'Moguer', email: `rrhh@finca${i}.test` },
    posts: Math.min(5000, Math.ceil(WORKERS / farms)), contractMonths: 6, contractStart: '2027-02-01', contractEnd: '2027-07-31',
  });
  const created = await call('POST', '/campaigns', { id: campaignId, name: `Campagne ${WORKERS} travailleuses`, season: 2027, offers: Array.from({ length: farms }, (_, i) => offer(i + 1)) });
  const offers = (created.offers as { id: string; employerId: string }[]).map((o) => [o.id, o.employerId] as const);

  // N people and their cycles, in batches of 5,000 rows (the dashboard's queries read these tables)
  const seedStart = Date.now();
  const sql = postgres(infra.databaseUrl, { max: 2, onnotice: () => {} });
  for (let from = 0; from < WORKERS; from += 5000) {
    const n = Math.min(5000, WORKERS - from);
    await sql`
      with people as (
        insert into candidates (national_id, first_name, last_name, birth_date, sex, province, commune, household_situation, passport_number, passport_expiry)
        select 'PX' || lpad((${from} + g)::text, 7, '0'), 'Prénom ' || g, 'Nom ' || g, date '1990-01-01' + (g % 3000), case when g % 10 < 9 then 'F' else 'M' end,
               (${PROVINCES}::text[])[1 + g % ${PROVINCES.length}], 'Commune', 'mariée', 'MA' || (${from} + g), date '2034-01-01'
        from generate_series(1, ${n}) g
        returning id, province, registration_seq)
      insert into worker_cycles (id, campaign_id, candidate_id, province, stage, outcome, offer_id, employer_id, contract_start, contract_end, last_seq)
      select 'worker-' || ${campaignId} || '-' || p.id, ${campaignId}, p.id, p.province, s.stage,
             case when s.stage = 'closed' then (array['returned', 'returned', 'returned', 'no_show', 'non_return', 'visa_refused'])[1 + (p.registration_seq / ${STAGES.length}) % 6] end,
             case when s.stage <> 'preselected' then (${offers.map((o) => o[0])}::text[])[1 + p.registration_seq % ${offers.length}] end,
             case when s.stage <> 'preselected' then (${offers.map((o) => o[1])}::text[])[1 + p.registration_seq % ${offers.length}] end,
             date '2027-02-01', date '2027-07-31', 1
      from people p cross join lateral (select (${STAGES}::text[])[1 + (p.registration_seq % ${STAGES.length})] as stage) s`;
  }
  const seedSeconds = (Date.now() - seedStart) / 1000;
  log(`${WORKERS} people and cycles written in ${seedSeconds.toFixed(1)} s`);

  const apiMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await call('GET', `/campaigns/${campaignId}`);
    apiMs.push(Math.round(performance.now() - t0));
  }

  // the browser: the coordinator's session set as the console keeps it (this tab's sessionStorage), then the dashboard
  const executablePath = execFileSync('bash', ['scripts/ensure-chromium.sh'], { encoding: 'utf8' }).trim();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gecco-paint-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, viewport: { width: 1366, height: 768 }, locale: 'fr-FR',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const accessToken = await token();
  const session = { accessToken, expiresAt: Date.now() + 3_000_000, name: demoIdentity('coordinator').name, role: 'coordinator' };
  await context.addInitScript((s) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('gecco-console-session', s), JSON.stringify(session));
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(120_000);
  const loads: { firstContentfulPaintMs: number | null; dashboardReadyMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto('about:blank');
    const t0 = Date.now();
    await page.goto(`${infra.apiUrl}/console/#/campaigns/${campaignId}`);
    await page.getByTestId('funnel').waitFor();
    await page.getByTestId('provinces').locator('tbody tr').first().waitFor();
    const dashboardReadyMs = Date.now() - t0;
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    loads.push({ firstContentfulPaintMs: fcp === null ? null : Math.round(fcp), dashboardReadyMs });
    log(`load ${i + 1}: first contentful paint ${fcp === null ? '?' : Math.round(fcp)} ms, dashboard with its figures ${dashboardReadyMs} ms`);
  }
  fs.mkdirSync(path.join(projectRoot, '.data', 'screenshots'), { recursive: true });
  await page.screenshot({ path: path.join(projectRoot, '.data', 'screenshots', `dashboard-${WORKERS}.png`) });
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  await sql.end();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const result = {
    bench: 'console-paint', at: new Date().toISOString(), workers: WORKERS, runs: RUNS, seedSeconds,
    api: { campaignViewMs: apiMs, medianMs: median(apiMs) },
    browser: { loads, medianFirstContentfulPaintMs: median(loads.map((l) => l.firstContentfulPaintMs ?? 0)), medianDashboardReadyMs: median(loads.map((l) => l.dashboardReadyMs)) },
    machine: { cpus: os.cpus().length, load: os.loadavg() },
  };
  fs.mkdirSync(path.join(projectRoot, 'bench-results'), { recursive: true });
  const file = path.join(projectRoot, 'bench-results', `console-paint-${WORKERS}-${result.at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`median: API ${result.api.medianMs} ms, first contentful paint ${result.browser.medianFirstContentfulPaintMs} ms, dashboard ready ${result.browser.medianDashboardReadyMs} ms → ${path.relative(projectRoot, file)}`);
} finally {
  await infra?.stop();
}
