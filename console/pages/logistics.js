// @ts-check
// Visa weeks and sailings of a campaign: each batch with its decisions and members, each sailing with its passengers
// and their embarkation, and the manifests (PDF) the consulate and the port work from. Reloaded while shown. The roles
// whose scopes allow it act here too: the consular liaison assembles and lodges batches (visa_batch:manage), the port
// agent closes boarding (departure:manage).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { can } from '../auth.js';
import { api, download, must } from '../api.js';
import { date, dateTime, num, stageName, t } from '../i18n.js';
import { ErrorBox, Loading, Refreshed, Table, useAction, useLoad } from '../ui.js';

const REFRESH_MS = 5000;
const page = { limit: 1000, offset: 0 };

/** A date as the API takes it (yyyy-mm-dd), in the user's own calendar. */
const isoDay = (/** @type {Date} */ d) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
const nextMonday = () => {
  const d = new Date();
  d.setDate(d.getDate() + (((8 - d.getDay()) % 7) || 7));
  return isoDay(d);
};
const inputValue = (/** @type {Event} */ e) => /** @type {HTMLInputElement} */ (e.target).value;

/** Which campaign: a list to choose from, the choice kept in the page's address. @param {{ campaignId?: string, route: string }} props */
function CampaignPicker({ campaignId, route }) {
  const campaigns = useLoad(() => must(api.GET('/campaigns', { params: { query: { limit: 100, offset: 0 } } })), []);
  const first = campaigns.data?.items[0]?.id;
  useEffect(() => {
    // the first campaign only while the address still names none: a campaign chosen in the list between the options'
    // render and this effect wins (it was replaced by the first one, and the page showed another campaign's rows)
    const namesNone = location.hash === `#/${route}` || location.hash === `#/${route}/`;
    if (!campaignId && first && namesNone) location.replace(`#/${route}/${encodeURIComponent(first)}`);
  }, [campaignId, first]);
  return html`<label>${t('chooseCampaign')}
    <select name="campaign" value=${campaignId ?? ''} onChange=${(/** @type {Event} */ e) => { location.hash = `#/${route}/${encodeURIComponent(/** @type {HTMLSelectElement} */ (e.target).value)}`; }}>
      ${(campaigns.data?.items ?? []).map((c) => html`<option value=${c.id}>${c.name} (${c.season})</option>`)}
    </select>
  </label>`;
}

/**
 * A campaign's list (reloaded while shown) and the detail of the row the user opened.
 * @template L, D
 * @param {string | undefined} campaignId
 * @param {(campaignId: string) => Promise<L>} loadList
 * @param {(id: string) => Promise<D>} loadDetail
 */
function useListAndDetail(campaignId, loadList, loadDetail) {
  const [open, setOpen] = useState(/** @type {string | undefined} */ (undefined));
  const list = useLoad(() => (campaignId ? loadList(campaignId) : Promise.resolve(undefined)), [campaignId], REFRESH_MS);
  const detail = useLoad(() => (open ? loadDetail(open) : Promise.resolve(undefined)), [open], open ? REFRESH_MS : undefined);
  return { open, setOpen, list, detail };
}

/** A row's actions: show its detail, download its manifest. @param {{ id: string, open: string | undefined, setOpen: (id: string) => void, manifest: string }} props */
function RowActions({ id, open, setOpen, manifest }) {
  return html`<button type="button" aria-pressed=${open === id} onClick=${() => setOpen(id)}>${t('show')}</button> <button type="button" onClick=${() => void download(manifest)}>${t('manifest')}</button>`;
}

/** The consulate's weeks (places shared by every campaign lodging there). @param {{ state: ReturnType<typeof useConsulateWeeks> }} props */
function ConsulateWeeks({ state }) {
  const c = state.data?.consulate;
  return html`<section aria-labelledby="weeks-h"><h2 id="weeks-h">${t('consulateWeeks')}${c ? ` — ${c.name}` : ''}</h2>
    <${Loading} state=${state}>
      <${Table} testid="consulate-weeks" quietCaption caption=${t('consulateWeeks')} columns=${[t('week'), t('capacity'), t('lodgedFiles'), t('assembledFiles'), t('singleFiles'), t('placesLeft')]} numeric=${[1, 2, 3, 4, 5]}
        rows=${(state.data?.weeks ?? []).map((w) => [date(w.weekStart), w.capacity, w.lodged, w.assembled, w.single, w.left])} />
    <//></section>`;
}

/** The weeks of the campaign's consulate, reloaded while shown. @param {string | undefined} campaignId */
function useConsulateWeeks(campaignId) {
  return useLoad(async () => {
    if (!campaignId) return undefined;
    const campaign = await must(api.GET('/campaigns/{campaignId}', { params: { path: { campaignId } } }));
    return must(api.GET('/consulates/{consulateId}/weeks', { params: { path: { consulateId: campaign.consulateId }, query: { weeks: 8 } } }));
  }, [campaignId], REFRESH_MS);
}

/** @typedef {import('../api-types').paths['/campaigns/{campaignId}/visa-batches']['post']['responses']['201']['content']['application/json']} Assembled */

/** "Assembler un lot": a day of the consular week and an optional capacity; then what the API answered. @param {{ campaignId: string, onDone: () => void }} props */
function AssembleBatch({ campaignId, onDone }) {
  const [weekStart, setWeekStart] = useState(nextMonday());
  const [capacity, setCapacity] = useState('');
  const action = /** @type {ReturnType<typeof useAction<Assembled>>} */ (useAction());
  const submit = (/** @type {Event} */ e) => {
    e.preventDefault();
    void action.run(async () => {
      const body = { weekStart, ...(capacity ? { capacity: Number(capacity) } : {}) };
      const answer = await must(api.POST('/campaigns/{campaignId}/visa-batches', { params: { path: { campaignId } }, body }));
      onDone();
      return answer;
    });
  };
  const a = action.result;
  return html`<section aria-labelledby="assemble-h"><h2 id="assemble-h">${t('assembleTitle')}</h2>
    <form class="search" onSubmit=${submit}>
      <label>${t('weekOf')} <input name="weekStart" type="date" required value=${weekStart} onInput=${(/** @type {Event} */ e) => setWeekStart(inputValue(e))} /></label>
      <label>${t('capacityOptional')} <input name="capacity" type="number" min="1" value=${capacity} onInput=${(/** @type {Event} */ e) => setCapacity(inputValue(e))} /></label>
      <button type="submit" disabled=${action.busy}>${action.busy ? t('sending') : t('assemble')}</button>
    </form>
    <${ErrorBox} error=${action.error} />
    ${a ? html`<div data-testid="assembled" aria-live="polite">
      <p>${t('assembledText', { batch: a.batchId, week: date(a.weekStart), members: num(a.members) })}</p>
      <dl class="facts">
        <dt>${t('remainingEligible')}</dt><dd data-testid="remaining-eligible">${num(a.remainingEligible)}</dd>
        <dt>${t('weekCapacityLeft')}</dt><dd data-testid="week-capacity-left">${num(a.weekCapacityLeft)}</dd>
      </dl>
      <${Table} testid="refused-passports" caption=${t('refusedPassports')} empty=${t('noneRefused')} columns=${[t('cycle'), t('field'), t('reason')]}
        rows=${a.refusedPassports.map((r) => [r.cycleId, r.field, r.reason])} />
      <${Table} testid="next-weeks" caption=${t('nextWeeks')} empty=${t('none')} columns=${[t('week'), t('members')]} numeric=${[1]}
        rows=${a.nextWeeks.map((w) => [date(w.weekStart), w.files])} />
    </div>` : null}
  </section>`;
}

/** "Déposer": records that the batch was lodged today. @param {{ batchId: string, onDone: () => void }} props */
function LodgeButton({ batchId, onDone }) {
  const action = useAction();
  const lodge = () => void action.run(async () => {
    await must(api.POST('/visa-batches/{batchId}/lodge', { params: { path: { batchId } }, body: { lodgedOn: isoDay(new Date()) } }));
    onDone();
  });
  return html`<button type="button" disabled=${action.busy} onClick=${lodge}>${t('lodge')}</button><${ErrorBox} error=${action.error} />`;
}

/** @param {{ campaignId?: string }} props */
export function VisaWeeks({ campaignId }) {
  const { open, setOpen, list, detail } = useListAndDetail(
    campaignId,
    (id) => must(api.GET('/campaigns/{campaignId}/visa-batches', { params: { path: { campaignId: id }, query: page } })),
    (batchId) => must(api.GET('/visa-batches/{batchId}/members', { params: { path: { batchId }, query: page } })),
  );
  const weeks = useConsulateWeeks(campaignId);
  const manage = can('visa_batch:manage');
  const reload = () => {
    list.reload();
    weeks.reload();
  };
  return html`<h1>${t('visaWeeks')}</h1>
    <${CampaignPicker} campaignId=${campaignId} route="visas" />
    <${Loading} state=${list}>
      <${Refreshed} at=${list.at} />
      <${Table} testid="batches" caption=${t('visaWeeks')} columns=${[t('batch'), t('when'), t('status'), t('members'), t('issued'), t('refused'), '']} numeric=${[3, 4, 5]}
        rows=${(list.data?.items ?? []).map((b) => [b.batchId, date(b.weekStart), html`<span data-testid="batch-state">${stageName(b.state)}</span>`, b.members, b.counts.issued, b.counts.refused,
          html`<${RowActions} id=${b.batchId} open=${open} setOpen=${setOpen} manifest=${b.manifestUrl} />${manage && b.status === 'assembled' ? html` <${LodgeButton} batchId=${b.batchId} onDone=${reload} />` : null}`])} />
    <//>
    ${manage && campaignId ? html`<${AssembleBatch} campaignId=${campaignId} onDone=${reload} />` : null}
    ${campaignId ? html`<${ConsulateWeeks} state=${weeks} />` : null}
    ${open ? html`<section aria-labelledby="members-h"><h2 id="members-h">${t('batch')} ${open}</h2>
      <${Loading} state=${detail}>
        <${Table} testid="batch-members" quietCaption caption=${`${t('batch')} ${open}`} columns=${['N°', t('cin'), t('name'), t('stage'), t('decision'), t('when')]}
          rows=${(detail.data?.items ?? []).map((m) => [String(m.n), m.nationalId, m.name, stageName(m.stage), stageName(m.decision), dateTime(m.decidedAt)])} />
      <//></section>` : null}`;
}

/** "Clôturer l'embarquement", asked twice: the passengers not aboard become no-shows at once. @param {{ departureId: string, onDone: () => void }} props */
function CloseBoarding({ departureId, onDone }) {
  const [asking, setAsking] = useState(false);
  const action = useAction();
  const close = () => void action.run(async () => {
    await must(api.POST('/departures/{departureId}/close-boarding', { params: { path: { departureId } }, body: {} }));
    setAsking(false);
    onDone();
  });
  if (!asking) return html`<button type="button" onClick=${() => setAsking(true)}>${t('closeBoarding')}</button><${ErrorBox} error=${action.error} />`;
  return html`<span role="group" aria-label=${t('closeBoarding')} data-testid="confirm-close">
    <span>${t('closeBoardingConfirm')}</span>
    <button type="button" disabled=${action.busy} onClick=${close}>${t('confirm')}</button>
    <button type="button" onClick=${() => setAsking(false)}>${t('cancel')}</button>
  </span><${ErrorBox} error=${action.error} />`;
}

/** @param {{ campaignId?: string }} props */
export function Sailings({ campaignId }) {
  const { open, setOpen, list, detail } = useListAndDetail(
    campaignId,
    (id) => must(api.GET('/campaigns/{campaignId}/departures', { params: { path: { campaignId: id }, query: page } })),
    (departureId) => must(api.GET('/departures/{departureId}/passengers', { params: { path: { departureId }, query: page } })),
  );
  const manage = can('departure:manage');
  return html`<h1>${t('sailings')}</h1>
    <${CampaignPicker} campaignId=${campaignId} route="sailings" />
    <${Loading} state=${list}>
      <${Refreshed} at=${list.at} />
      <${Table} testid="sailing-list" caption=${t('sailings')} columns=${[t('departure'), t('when'), t('status'), t('seats'), t('passengers'), t('embarked'), t('noShow'), '']} numeric=${[3, 4, 5, 6]}
        rows=${(list.data?.items ?? []).map((d) => [`${d.port} → ${d.destination}`, dateTime(d.departureAt), html`<span data-testid="sailing-state">${stageName(d.status === 'convoked' ? 'convoked_sailing' : d.status)}</span>`, d.seats, d.passengerCount, d.embarked, d.noShow,
          html`<${RowActions} id=${d.departureId} open=${open} setOpen=${setOpen} manifest=${`/departures/${encodeURIComponent(d.departureId)}/manifest`} />${manage && d.status === 'convoked' ? html` <${CloseBoarding} departureId=${d.departureId} onDone=${list.reload} />` : null}`])} />
    <//>
    ${open ? html`<section aria-labelledby="pass-h"><h2 id="pass-h">${t('passengers')} — ${open}</h2>
      <${Loading} state=${detail}>
        <${Table} testid="passengers" quietCaption caption=${t('passengers')} columns=${[t('cin'), t('name'), t('status'), t('when')]}
          rows=${(detail.data?.items ?? []).map((p) => [p.nationalId, p.name, stageName(p.status), dateTime(p.embarkedAt)])} />
      <//></section>` : null}`;
}
