// The web console in a real browser: Debian's Chromium (scripts/ensure-chromium.sh installs it) driven by
// playwright-core against the API listening on a port, signed in through an embedded OpenID Connect provider that
// knows the console's redirect URI. The season on screen is the demo's (scripts/lib/demo-season.ts), seeded over HTTP
// with the demo identities' script clients, as `npm run demo` does. Screenshots go to .data/screenshots (git-ignored).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app';
import { startOidcProvider, type OidcProviderHandle } from '../scripts/lib/oidc-provider';
import { httpDemoCall, seedDemoSeason } from '../scripts/lib/demo-season';
import { freePort } from '../scripts/lib/process';
import { consoleTypesOf, generateConsoleTypes } from '../scripts/lib/console-types';
import { demoIdentity, type DemoLogin } from '../scripts/lib/demo-identities';
import { ROLE_TABLE } from '../api/auth/roles';
import { startTestStack, testConfig, uniqueSuffix, type TestStack } from './support';

const SCREENSHOTS = path.resolve('.data/screenshots');
const WORKERS = 24;
const run = uniqueSuffix();
const campaignId = `console-${run}`;
const idPrefix = 'CW';

let stack: TestStack;
let oidc: OidcProviderHandle;
let app: FastifyInstance;
let base: string;
const contexts: BrowserContext[] = [];
const dirs: string[] = [];
let waitingForBatch = 0;

/** A fresh browser profile, as the brief for the browser tests asks: headless Debian Chromium, nothing shared. */
async function newBrowser(): Promise<Page> {
  const executablePath = execFileSync('bash', ['scripts/ensure-chromium.sh'], { encoding: 'utf8' }).trim();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gecco-console-'));
  dirs.push(userDataDir);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'fr-FR',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  contexts.push(context);
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  // what went wrong in the page shows in the test's output
  page.on('pageerror', (err) => console.error(`console page error: ${err.message}`));
  page.on('response', (r) => r.status() >= 400 && console.error(`console page: ${r.status()} ${r.url()}`));
  return page;
}

/** A fresh browser signed in to the console as `login`, on its home page. */
async function signedIn(login: DemoLogin): Promise<Page> {
  const page = await newBrowser();
  await page.goto(`${base}/console/`);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  // the provider's own login form
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/console/**`);
  await page.getByTestId('who').waitFor().catch(async (err: unknown) => {
    console.error(`signed in as ${login}? ${page.url()}: ${await page.locator('body').innerText()}`);
    throw err;
  });
  expect(await page.getByTestId('who').textContent()).toContain(demoIdentity(login).name);
  return page;
}

/** What the page shows once it has loaded (the console fetches as it renders). */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 30_000, interval: 200 });

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startTestStack();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  oidc = await startOidcProvider({ port: 0, audience: testConfig.OIDC_AUDIENCE, consoleClientId: testConfig.OIDC_CONSOLE_CLIENT_ID, consoleRedirectUris: [`${base}/console/`, `${base}/docs/static/oauth2-redirect.html`] });
  app = await buildApp({ db: stack.db, temporal: stack.client, config: { ...testConfig, OIDC_ISSUER: oidc.issuer }, logger: false });
  await app.listen({ host: '127.0.0.1', port });
  const seeded = await seedDemoSeason(httpDemoCall(base, oidc.issuer), { campaignId, season: 2027, workers: WORKERS, idPrefix });
  expect(seeded).toBe(true);
  // the demo's one batch took every authorised file: the selected workers the demo left without an authorisation get one,
  // so the consular liaison has files waiting for a batch
  const call = httpDemoCall(base, oidc.issuer);
  const selected = Math.floor(WORKERS * 0.75);
  const waiting = Array.from({ length: selected - Math.floor(selected * 0.85) }, (_, k) => `${idPrefix}${100001 + Math.floor(selected * 0.85) + k}`);
  const loaded = await call('coordinator', 'POST', `/campaigns/${campaignId}/intake/authorisations`, waiting.map((n) => ({ nationalId: n, authorisationNumber: `AUT-${n}`, issuedOn: '2026-12-01' })));
  expect(loaded.status).toBe(201);
  const operationId = (loaded.body as { operationId: string }).operationId;
  // (a row whose worker the selection left out, an offer being full, is refused: the files waiting are those applied)
  for (let op = { status: '', applied: 0 }; ; await new Promise((r) => setTimeout(r, 300))) {
    op = (await call('coordinator', 'GET', `/bulk-operations/${operationId}`)).body as typeof op;
    if (op.status === 'done') {
      waitingForBatch = op.applied;
      break;
    }
  }
  expect(waitingForBatch).toBeGreaterThan(0);
}, 240_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  for await (const wf of stack.client.workflow.list({ query: `ExecutionStatus = "Running" AND CampaignId = "${campaignId}"` })) {
    await stack.client.workflow.getHandle(wf.workflowId, wf.runId).terminate('console tests done').catch(() => undefined);
  }
  await app?.close();
  await oidc?.stop();
  await stack?.stop();
});

describe('the web console', () => {
  it('serves its page with a policy that lets only its own scripts run', async () => {
    const res = await fetch(`${base}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-[^']+'/);
    expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ${new URL(oidc.issuer).origin}`);
    expect((await fetch(`${base}/console/../package.json`)).status).toBe(404);
    const config = (await (await fetch(`${base}/console/config.json`)).json()) as { clientId: string; roles: Record<string, string[]> };
    expect(config.clientId).toBe('gecco-console');
    expect(config.roles.employer).not.toContain('campaign:read');
  });

  it("types its API calls by the API's own OpenAPI document (the one console:types generates them from is the one served)", async () => {
    expect(await generateConsoleTypes()).toBe(await consoleTypesOf(app.swagger()));
  });

  it("lets a user authorise Swagger UI with the console's PKCE client and try an operation with her token", async () => {
    const page = await newBrowser();
    await page.goto(`${base}/docs`);
    await page.locator('.auth-wrapper .btn.authorize').click();
    // the OpenID Connect scheme's own Authorize button opens the provider's login in a popup
    const scheme = page.locator('.modal-ux .auth-container').filter({ hasText: 'oidc (OAuth2, authorization_code with PKCE)' }).first();
    await scheme.waitFor();
    const [popup] = await Promise.all([page.context().waitForEvent('page'), scheme.locator('button.authorize').click()]);
    await popup.locator('input[name=login]').fill('coordinator');
    await popup.locator('input[name=password]').fill('demo');
    await popup.getByRole('button', { name: 'Sign in' }).click();
    // back through oauth2-redirect.html, the code exchanged with its verifier: the scheme now offers Logout
    await scheme.locator('button', { hasText: 'Logout' }).waitFor();
    await page.locator('.modal-ux .close-modal').first().click();
    const operation = page.locator('.opblock.opblock-get').filter({ has: page.locator('.opblock-summary-path[data-path="/campaigns"]') }).first();
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button', { hasText: 'Try it out' }).click();
    await operation.locator('button', { hasText: 'Execute' }).click();
    await eventually(() => operation.locator('.live-responses-table .response .response-col_status').first().textContent()).toContain('200');
    await shot(page, 'swagger-authorized');
  });

  it('a coordinator signs in, sees the dashboard, loads a file with bad rows, opens a worker and the season report', async () => {
    const page = await signedIn('coordinator');

    // campaigns, then the demo campaign's dashboard: funnel, quota fill, provinces, visa week, sailing
    await page.getByRole('link', { name: new RegExp(`démo`) }).first().waitFor();
    await page.goto(`${base}/console/#/campaigns/${campaignId}`);
    await eventually(() => page.getByTestId('campaign-stage').textContent()).toBe('départs');
    await eventually(() => page.getByTestId('funnel').textContent()).toContain('convoqué');
    expect(await page.getByTestId('provinces').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('offers').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('visa-batches').locator('tbody tr').count()).toBe(1);
    expect(await page.getByTestId('sailings').textContent()).toContain('Tanger');
    await shot(page, 'dashboard');

    // the visa week's members with their decisions; the sailing's passengers
    await page.getByRole('navigation').getByRole('link', { name: 'Semaines de visas' }).click();
    await page.locator('select[name=campaign]').selectOption(campaignId);
    // the row of this campaign's batch: the list shown before the selection took effect may be another campaign's
    await page.getByTestId('batches').getByRole('row').filter({ hasText: `visa-${campaignId}-` }).first().getByRole('button', { name: 'Voir' }).click();
    await eventually(() => page.getByTestId('batch-members').textContent()).toContain('refusé');
    // straight to this campaign's sailings: choosing it from the list may first show another campaign's sailings
    await page.goto(`${base}/console/#/sailings/${campaignId}`);
    const sailing = page.getByTestId('sailing-list').locator('tbody tr').first();
    await eventually(() => sailing.getByTestId('sailing-state').textContent()).toBe('convoquée');
    await sailing.getByRole('button', { name: 'Voir' }).click();
    await eventually(() => page.getByTestId('passengers').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot(page, 'sailings');

    // a candidate file with two bad rows: refused by line, field and reason; the good row's cycle is started
    await page.getByRole('navigation').getByRole('link', { name: 'Fichiers' }).click();
    await page.locator('select[name=campaign]').selectOption(campaignId);
    await page.locator('select[name=kind]').selectOption('candidates');
    const csv = [
      'nationalId,firstName,lastName,birthDate,sex,province,commune,householdSituation',
      `${idPrefix}900001,Hanane,Mansouri,1991-04-02,F,Kenitra,Mehdia,mariée`,
      'not-a-cin,Imane,Rami,1992-05-03,F,Kenitra,Mehdia,mariée',
      `${idPrefix}900003,Sanae,Karimi,1993-06-31,X,Larache,Ksar,célibataire`,
    ].join('\n');
    await page.locator('input[type=file]').setInputFiles({ name: 'candidats.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await eventually(() => page.getByTestId('rows-rejected').textContent()).toBe('2');
    const refused = page.getByTestId('refused-rows');
    expect(await refused.textContent()).toContain('nationalId');
    expect(await refused.locator('tbody th').allTextContents()).toEqual(expect.arrayContaining(['3', '4']));
    await eventually(() => page.getByTestId('bulk-status').getAttribute('data-status')).toBe('done');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Télécharger les lignes refusées (CSV)' }).click();
    expect(fs.readFileSync((await (await download).path())!, 'utf8')).toMatch(/^line,field,reason\n3,nationalId,/);
    await shot(page, 'files');

    // a worker found by CIN (convoked to the sailing): her seasons, the cycle's timeline with its deadline, her documents
    await page.getByRole('navigation').getByRole('link', { name: 'Travailleurs' }).click();
    await page.getByLabel('CIN ou nom').fill(`${idPrefix}100003`);
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByTestId('worker-results').getByRole('link').first().click();
    await eventually(() => page.getByTestId('seasons').textContent()).toContain(campaignId);
    await eventually(() => page.getByTestId('cycle').locator('.timeline li').count()).toBeGreaterThan(3);
    await eventually(() => page.getByTestId('deadline').count()).toBe(1);
    // a document opens in a new tab (fetched with the user's token, shown from memory)
    const tab = page.waitForEvent('popup');
    await page.getByRole('button', { name: 'Ouvrir : contrat de travail' }).click();
    await eventually(async () => (await tab).url()).toMatch(/^blob:/);
    await (await tab).close();
    await shot(page, 'worker');

    // the season report: the server-drawn chart, the figures, the PDF
    await page.getByRole('navigation').getByRole('link', { name: 'Rapport de saison' }).click();
    await page.locator('input[name=season]').fill('2027');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await eventually(() => page.getByTestId('season-chart').locator('svg').count()).toBe(1);
    expect(await page.getByTestId('report-rows').textContent()).toContain('Kenitra');
    expect(await page.getByTestId('season-chart').textContent()).toContain('Non-retours');
    // the programme's placements since 2008, drawn by the server too
    await eventually(() => page.getByTestId('history-chart').locator('svg').count()).toBe(1);
    expect(await page.getByTestId('history-chart').textContent()).toContain('Travailleurs saisonniers placés, 2008–2023');
    expect(await page.getByTestId('history-chart').textContent()).toContain('2008');
    const pdf = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Télécharger le PDF' }).click();
    // the PDF carries the same chart (its title, axis and legend are text in the PDF) and the figures
    execFileSync('bash', ['scripts/ensure-poppler.sh']);
    const text = execFileSync('pdftotext', ['-layout', (await (await pdf).path())!, '-'], { encoding: 'utf8' });
    expect(text).toContain('Saison 2027 — par province');
    expect(text).toContain('Non-retours');
    expect(text).toMatch(/Kenitra · F/);
    expect(text).toContain('Travailleurs saisonniers placés, 2008–2023');
    expect(text).toContain('2008');
    await shot(page, 'report');
  }, 180_000);

  it('an employer sees only its workers and its selection file', async () => {
    const page = await signedIn('employer-b21000001');
    // its workers, and its selection file (no campaign pages: an employer has no campaign:read)
    await eventually(() => page.locator('nav a').allTextContents()).toEqual(['Fichiers', 'Travailleurs']);
    await page.goto(`${base}/console/#/campaigns/${campaignId}`);
    await eventually(() => page.locator('main').textContent()).toContain('ne donne pas accès');
    // B21000001's selected worker is found; a worker it never selected is not
    await page.goto(`${base}/console/#/workers`);
    await page.getByLabel('CIN ou nom').fill(`${idPrefix}100001`);
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await eventually(() => page.getByTestId('worker-results').locator('tbody tr').count()).toBe(1);
    await page.getByLabel('CIN ou nom').fill(`${idPrefix}${100000 + WORKERS}`);
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await eventually(() => page.locator('main').textContent()).toContain('Aucun travailleur trouvé');
    await shot(page, 'employer');
    // in Arabic the page reads right to left (labels without a translation stay French)
    await page.getByLabel('Langue').selectOption('ar');
    await eventually(() => page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('nav a').allTextContents()).toEqual(['الملفات', 'العمال']);
    await shot(page, 'employer-ar');
  }, 120_000);

  it("the consular liaison assembles a batch of the files waiting, sees the API's answer and lodges it", async () => {
    const page = await signedIn('consular');
    await page.goto(`${base}/console/#/visas/${campaignId}`);
    await eventually(() => page.getByTestId('batches').locator('tbody tr').count()).toBe(1);
    // the consulate's weeks: the demo's lodged batch takes places in its week
    await eventually(() => page.getByTestId('consulate-weeks').locator('tbody tr').count()).toBeGreaterThan(1);
    expect(await page.getByTestId('consulate-weeks').textContent()).toContain('Restant');

    await page.getByRole('button', { name: 'Assembler le lot' }).click();
    const answer = page.getByTestId('assembled');
    await eventually(() => answer.textContent()).toContain(`${waitingForBatch} dossiers`);
    expect(await page.getByTestId('remaining-eligible').textContent()).toBe('0');
    await eventually(() => page.getByTestId('batches').locator('tbody tr').count()).toBe(2);
    const assembled = page.getByTestId('batches').locator('tbody tr').filter({ has: page.getByRole('button', { name: 'Déposer' }) });
    expect(await assembled.getByTestId('batch-state').textContent()).toBe('dépôt attendu');
    await shot(page, 'visa-assembled');

    // lodged today: the batch now waits for the consulate's decisions
    const batchId = await assembled.locator('th').textContent();
    await assembled.getByRole('button', { name: 'Déposer' }).click();
    const row = page.getByTestId('batches').locator('tbody tr').filter({ hasText: batchId! });
    await eventually(() => row.getByTestId('batch-state').textContent()).toBe('décisions attendues');
    expect(await row.getByRole('button', { name: 'Déposer' }).count()).toBe(0);

    // a second batch with no file waiting: the API's refusal, in French with its reason
    await page.getByRole('button', { name: 'Assembler le lot' }).click();
    await eventually(() => page.getByTestId('error').textContent()).toContain('Refusé dans l’état actuel');
    await shot(page, 'visa-lodged');
  }, 120_000);

  it('the port agent closes boarding of the convoked sailing after confirming, and the sailing leaves', async () => {
    const page = await signedIn('port');
    await page.goto(`${base}/console/#/sailings/${campaignId}`);
    const sailing = page.getByTestId('sailing-list').locator('tbody tr').first();
    await eventually(() => sailing.getByTestId('sailing-state').textContent()).toBe('convoquée');
    await sailing.getByRole('button', { name: 'Clôturer l’embarquement' }).click();
    // nothing is sent before the confirmation
    await page.getByTestId('confirm-close').waitFor();
    await shot(page, 'sailing-confirm');
    await page.getByTestId('confirm-close').getByRole('button', { name: 'Confirmer' }).click();
    await eventually(() => sailing.getByTestId('sailing-state').textContent()).toBe('partie');
    expect(await sailing.getByRole('button', { name: 'Clôturer l’embarquement' }).count()).toBe(0);
    await shot(page, 'sailing-closed');
    // every list can be taken away as CSV: the sailing's passengers, as on screen
    await sailing.getByRole('button', { name: 'Voir' }).click();
    await eventually(() => page.getByTestId('passengers').locator('tbody tr').count()).toBeGreaterThan(0);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('passengers-csv').click()]);
    const lines = fs.readFileSync(await csv.path(), 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^CIN,/);
    expect(lines.length - 1).toBe(await page.getByTestId('passengers').locator('tbody tr').count());
  }, 120_000);

  it('signs in every other role and offers each the pages its scopes allow', async () => {
    for (const login of ['agent-kenitra', 'mediator', 'auditor', 'admin'] as const) {
      const page = await signedIn(login);
      const menu = await page.getByRole('navigation').innerText();
      // a page is offered exactly when the role holds its scope (api/auth/roles.ts)
      const scopes: readonly string[] = ROLE_TABLE[demoIdentity(login).role].scopes;
      for (const [label, scope] of [['Campagnes', 'campaign:read'], ['Semaines de visas', 'visa_batch:read'], ['Traversées', 'departure:read'], ['Travailleurs', 'worker:read'], ['Rapport de saison', 'report:read']] as const) {
        expect(menu.includes(label), `${login}: ${label}`).toBe(scopes.includes(scope));
      }
      await shot(page, `home-${login}`);
      await page.context().close();
    }
  }, 180_000);
});
