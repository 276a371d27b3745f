// @ts-check
// A worker found by CIN or name; her page: every season (history across years), and for each cycle the timeline of
// its audit trail, what it waits for and by when, its in-season cases, and the documents to open.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, must, openDocument } from '../api.js';
import { can } from '../auth.js';
import { date, dateTime, num, stageName, t } from '../i18n.js';
import { ErrorBox, Loading, Table, useLoad } from '../ui.js';

export function WorkerSearch() {
  const [q, setQ] = useState(new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') ?? '');
  const [query, setQuery] = useState(q);
  const state = useLoad(() => (query.trim().length >= 2 ? must(api.GET('/workers', { params: { query: { q: query.trim(), limit: 50, offset: 0 } } })) : Promise.resolve(undefined)), [query]);
  return html`<h1>${t('workers')}</h1>
    <form role="search" class="search" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); setQuery(q); }}>
      <label>${t('searchLabel')} <input name="q" value=${q} minlength="2" required onInput=${(/** @type {Event} */ e) => setQ(/** @type {HTMLInputElement} */ (e.target).value)} /></label>
      <button type="submit">${t('search')}</button>
    </form>
    <${ErrorBox} error=${state.error} />
    ${state.data ? html`<${Table} testid="worker-results" caption=${`${t('workers')} (${num(state.data.total)})`} columns=${[t('name'), t('cin'), t('province'), 'F/M']} empty=${t('noResults')}
      rows=${state.data.items.map((w) => [html`<a href=${`#/workers/${w.candidateId}`}>${w.lastName} ${w.firstName}</a>`, w.nationalId, w.province, w.sex])} />` : null}`;
}

/** @param {{ candidateId: number }} props */
export function WorkerPage({ candidateId }) {
  const state = useLoad(() => must(api.GET('/candidates/{candidateId}/history', { params: { path: { candidateId } } })), [candidateId]);
  const h = state.data;
  return html`<h1>${h ? `${h.candidate.lastName} ${h.candidate.firstName}` : t('worker')}</h1>
    <${Loading} state=${state}>${h && html`
      <p class="summary">${t('cin')} <strong>${h.candidate.nationalId}</strong> · ${h.candidate.province} (${h.candidate.commune}) · ${h.candidate.sex} · ${t('monthsWorked')} : ${num(Math.round(h.monthsWorked * 10) / 10)}</p>
      ${h.candidate.blockedUntil ? html`<p class="error" role="status">${t('blocked', { date: date(h.candidate.blockedUntil), reason: h.candidate.blockedReason ?? '' })}</p>` : null}
      <section aria-labelledby="hist-h">
        <h2 id="hist-h">${t('history')}</h2>
        <${Table} quietCaption testid="seasons" caption=${t('history')} columns=${[t('season'), t('campaign'), t('stage'), t('outcome'), t('employer'), t('contract')]}
          rows=${h.seasons.map((s) => [String(s.season), s.campaignId, stageName(s.stage), s.outcome ?? '—', s.employer?.name ?? '—', s.contractStart ? `${date(s.contractStart)} → ${date(s.contractEnd)}` : '—'])} />
      </section>
      ${h.seasons.slice().reverse().map((s) => html`<${CycleTimeline} key=${s.cycleId} season=${s} />`)}`}
    <//>`;
}

/** @param {{ season: { cycleId: string, season: number, documents: { id: string, kind: string, url: string }[] } }} props */
function CycleTimeline({ season }) {
  const state = useLoad(() => (can('cycle:read') ? must(api.GET('/cycles/{cycleId}', { params: { path: { cycleId: season.cycleId } } })) : Promise.resolve(undefined)), [season.cycleId]);
  const c = state.data;
  const docs = c ? c.documents.map((d) => ({ id: d.id, kind: d.kind, url: d.url, when: d.createdAt })) : season.documents.map((d) => ({ ...d, when: '' }));
  return html`<section aria-labelledby=${`cycle-${season.cycleId}`} class="cycle" data-testid="cycle">
    <h2 id=${`cycle-${season.cycleId}`}>${t('seasonOf', { season: season.season })} — ${season.cycleId}</h2>
    <${ErrorBox} error=${state.error} />
    ${c ? html`<p class="summary">${t('stage')} : <strong>${stageName(c.state.stage)}</strong>${c.state.waitingFor ? html` · ${t('waitingFor')} ${c.state.waitingFor}` : null}${c.state.deadlineAt ? html` · ${t('deadline')} <strong data-testid="deadline">${dateTime(c.state.deadlineAt)}</strong>` : null}</p>
      <ol class="timeline" aria-label=${t('timeline')}>
        ${c.audit.map((a) => html`<li><time datetime=${a.occurredAt}>${dateTime(a.occurredAt)}</time> <strong>${a.step.replace(/_/g, ' ')}</strong> → ${stageName(a.stage)}${a.outcome ? ` (${a.outcome})` : ''} <span class="muted">${t('actor')} ${a.actor}</span></li>`)}
      </ol>` : null}
    ${c?.cases?.length ? html`<${Table} testid="cases" caption=${t('cases')} columns=${[t('reportedBy'), t('caseKind'), t('caseDetails'), t('deadline'), t('status'), t('resolution')]}
      rows=${c.cases.map((k) => [`${dateTime(k.reportedAt)} · ${k.reportedBy}`, stageName(k.kind) + (k.newEmployerId ? ` → ${k.newEmployerId}` : ''), k.details, dateTime(k.deadline), stageName(k.status === 'open' ? 'open_case' : k.status), k.resolution ?? '—'])} />` : null}
    ${can('document:read') && docs.length ? html`<h3>${t('documents')}</h3>
      <ul class="documents">${docs.map((d) => html`<li>${stageName(d.kind)} <button type="button" aria-label=${`${t('open')} : ${stageName(d.kind)}`} onClick=${() => void openDocument(d.url)}>${t('open')}</button></li>`)}</ul>` : null}
  </section>`;
}
