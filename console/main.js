// @ts-check
// The console's shell: sign-in, the navigation a role may use, and the hash routes of its pages.
import { html, render } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { can, completeSignIn, currentSession, loadConfig, signIn, signOut, rememberRoles } from './auth.js';
import { currentLang, LANGUAGES, setLang, t } from './i18n.js';
import { CampaignList, Dashboard } from './pages/campaigns.js';
import { Files, mayLoadFiles } from './pages/files.js';
import { WorkerPage, WorkerSearch } from './pages/workers.js';
import { SeasonReport } from './pages/report.js';
import { Sailings, VisaWeeks } from './pages/logistics.js';

/** @typedef {import('./auth.js').ConsoleConfig} ConsoleConfig */

/** The pages, the scope each needs (or who may see it), and how a hash names them. */
const PAGES = [
  { key: 'campaigns', scope: 'campaign:read', match: /^#\/campaigns\/?$/, view: () => html`<${CampaignList} />` },
  { key: 'campaigns', scope: 'campaign:read', match: /^#\/campaigns\/([^/]+)$/, view: (/** @type {string[]} */ m) => html`<${Dashboard} campaignId=${decodeURIComponent(m[1] ?? '')} />`, nav: false },
  { key: 'files', scope: mayLoadFiles, match: /^#\/files(?:\/([^/]+))?$/, view: (/** @type {string[]} */ m) => html`<${Files} campaignId=${m[1] ? decodeURIComponent(m[1]) : undefined} />` },
  { key: 'visas', scope: 'visa_batch:read', match: /^#\/visas(?:\/([^/]+))?$/, view: (/** @type {string[]} */ m) => html`<${VisaWeeks} campaignId=${m[1] ? decodeURIComponent(m[1]) : undefined} />` },
  { key: 'sailings', scope: 'departure:read', match: /^#\/sailings(?:\/([^/]+))?$/, view: (/** @type {string[]} */ m) => html`<${Sailings} campaignId=${m[1] ? decodeURIComponent(m[1]) : undefined} />` },
  { key: 'workers', scope: 'worker:read', match: /^#\/workers\/?$/, view: () => html`<${WorkerSearch} />` },
  { key: 'workers', scope: 'worker:read', match: /^#\/workers\/(\d+)$/, view: (/** @type {string[]} */ m) => html`<${WorkerPage} candidateId=${Number(m[1])} />`, nav: false },
  { key: 'report', scope: 'report:read', match: /^#\/reports(?:\/(\d{4}))?$/, view: (/** @type {string[]} */ m) => html`<${SeasonReport} season=${m[1] ? Number(m[1]) : undefined} />` },
];
const NAV_HASH = { campaigns: '#/campaigns', files: '#/files', visas: '#/visas', sailings: '#/sailings', workers: '#/workers', report: '#/reports' };

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

/** @param {{ session: import('./auth.js').Session, onLang: () => void }} props */
function App({ session, onLang }) {
  const hash = useHash();
  const allows = (/** @type {{ scope: string | (() => boolean) }} */ p) => (typeof p.scope === 'string' ? can(p.scope) : p.scope());
  const allowed = PAGES.filter(allows);
  const pageOf = (/** @type {string} */ h) => PAGES.map((p) => ({ p, m: p.match.exec(h) })).find((x) => x.m);
  let found = pageOf(hash);
  if (!found && allowed[0]) {
    // no page named: the first the role may use, without a navigation of its own
    const first = NAV_HASH[/** @type {keyof typeof NAV_HASH} */ (allowed[0].key)];
    history.replaceState(null, '', first);
    found = pageOf(first);
  }
  const main = useRef(/** @type {HTMLElement | null} */ (null));
  // a new page: its heading is announced and focused, as a page load would be
  useEffect(() => {
    const h1 = main.current?.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus();
    }
  }, [hash]);
  const page = found && allows(found.p) ? found.p.view(/** @type {string[]} */ ([...(found.m ?? [])])) : html`<h1>${t('appName')}</h1><p>${t('notAllowed')}</p>`;
  const navItems = allowed.filter((p) => p.nav !== false);
  return html`
    <a class="skip" href="#main" onClick=${(/** @type {Event} */ e) => { e.preventDefault(); main.current?.focus(); }}>${t('skip')}</a>
    <header class="top">
      <span class="brand">${t('appName')}</span>
      <span class="who" data-testid="who">${session.name} · ${session.role}${session.province ? ` · ${session.province}` : ''}${session.employer ? ` · ${session.employer}` : ''}</span>
      <label class="lang">${t('language')}
        <select value=${currentLang()} onChange=${(/** @type {Event} */ e) => { setLang(/** @type {HTMLSelectElement} */ (e.target).value); onLang(); }}>
          ${Object.entries(LANGUAGES).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
        </select>
      </label>
      <button type="button" onClick=${() => { signOut(); location.hash = ''; location.reload(); }}>${t('signOut')}</button>
    </header>
    <nav class="side" aria-label=${t('nav')}>
      <ul>${navItems.map((p) => html`<li><a href=${NAV_HASH[/** @type {keyof typeof NAV_HASH} */ (p.key)]} aria-current=${found?.p.key === p.key ? 'page' : undefined}>${t(p.key)}</a></li>`)}</ul>
    </nav>
    <main id="main" ref=${main} tabindex="-1">${page}</main>`;
}

/** @param {{ config: ConsoleConfig, error?: string }} props */
function SignInPage({ config, error }) {
  const [busy, setBusy] = useState(false);
  return html`<main id="main" class="signin">
    <h1>${t('appName')}</h1>
    <p>${t('signInLead')}</p>
    ${error ? html`<p class="error" role="alert">${t('signInFailed', { reason: error })}</p>` : null}
    <button type="button" disabled=${busy} onClick=${() => { setBusy(true); void signIn(config); }}>${busy ? t('signingIn') : t('signIn')}</button>
  </main>`;
}

async function boot() {
  setLang(currentLang());
  const root = /** @type {HTMLElement} */ (document.getElementById('app'));
  const config = await loadConfig();
  rememberRoles(config.roles);
  let error;
  try {
    await completeSignIn(config);
  } catch (err) {
    error = /** @type {Error} */ (err).message;
  }
  root.textContent = ''; // the page's "loading" line
  const draw = () => {
    const session = currentSession();
    render(session ? html`<${App} key=${currentLang()} session=${session} onLang=${draw} />` : html`<${SignInPage} config=${config} error=${error} />`, root);
  };
  draw();
}

boot().catch((err) => {
  const root = document.getElementById('app');
  if (root) root.textContent = `GECCO Flow: ${err.message}`;
});
