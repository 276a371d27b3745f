// @ts-check
// Shared pieces of the console's pages: loading data (optionally refreshed, so a dashboard follows the season as it
// moves), tables with their headers, bars, errors.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { num, t, time } from './i18n.js';

/**
 * Loads with `load` when `deps` change, and again every `refreshMs` when given.
 * @template T
 * @param {() => Promise<T>} load
 * @param {unknown[]} deps
 * @param {number} [refreshMs]
 * @returns {{ data: T | undefined, error: Error | undefined, at: Date | undefined, reload: () => void }}
 */
export function useLoad(load, deps, refreshMs) {
  const [state, setState] = useState(/** @type {{ data: T | undefined, error: Error | undefined, at: Date | undefined }} */ ({ data: undefined, error: undefined, at: undefined }));
  const [tick, setTick] = useState(0);
  useEffect(() => {
    // One flag per load, not one per component: a shared flag was set again by the next load, so a slow answer for the
    // previous selection (another campaign's batch) came in after the new one and replaced it.
    let alive = true;
    let timer = 0;
    const run = () =>
      load().then(
        (data) => alive && setState({ data, error: undefined, at: new Date() }),
        (error) => alive && setState((s) => ({ ...s, error })),
      ).finally(() => {
        if (alive && refreshMs) timer = window.setTimeout(run, refreshMs);
      });
    void run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [...deps, tick, refreshMs]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/**
 * An error in words: a refusal of the API says what kind it was (by its status), its message, and each field with its
 * reason.
 * @param {{ error: (Error & { status?: number, issues?: { field: string, reason: string }[] }) | undefined }} props
 */
export function ErrorBox({ error }) {
  if (!error) return null;
  const kind = error.status ? t(`refusal_${error.status}`) : '';
  const issues = error.issues ?? [];
  return html`<div class="error" role="alert" data-testid="error">
    <p>${t('error', { reason: kind && kind !== `refusal_${error.status}` ? `${kind} — ${error.message}` : error.message })}</p>
    ${issues.length ? html`<ul>${issues.map((i) => html`<li>${t('issue', { field: i.field, reason: i.reason })}</li>`)}</ul>` : null}
  </div>`;
}

/**
 * An action the user starts (a POST): busy while it runs, then its answer or its error.
 * @template T
 * @returns {{ busy: boolean, error: Error | undefined, result: T | undefined, run: (call: () => Promise<T>) => Promise<void> }}
 */
export function useAction() {
  const [state, setState] = useState(/** @type {{ busy: boolean, error: Error | undefined, result: T | undefined }} */ ({ busy: false, error: undefined, result: undefined }));
  const run = async (/** @type {() => Promise<T>} */ call) => {
    setState((s) => ({ ...s, busy: true, error: undefined }));
    try {
      setState({ busy: false, error: undefined, result: await call() });
    } catch (error) {
      setState({ busy: false, error: /** @type {Error} */ (error), result: undefined });
    }
  };
  return { ...state, run };
}

/** @param {{ state: { data: unknown, error: Error | undefined }, children?: unknown }} props */
export function Loading({ state, children }) {
  if (state.error && state.data === undefined) return html`<${ErrorBox} error=${state.error} />`;
  if (state.data === undefined) return html`<p class="loading" aria-busy="true">${t('loading')}</p>`;
  return html`${state.error ? html`<${ErrorBox} error=${state.error} />` : null}${children}`;
}

/**
 * A table with a caption (quiet when it repeats the section's heading) and column headers; `rows` are arrays of cells.
 * @param {{ caption: string, columns: string[], rows: unknown[][], numeric?: number[], empty?: string, testid?: string, quietCaption?: boolean }} props
 */
export function Table({ caption, columns, rows, numeric = [], empty, testid, quietCaption }) {
  if (!rows.length) return html`<p class="muted">${caption} : ${empty ?? t('none')}</p>`;
  return html`<table data-testid=${testid}>
    <caption class=${quietCaption ? 'sr-only' : ''}>${caption}</caption>
    <thead><tr>${columns.map((c, i) => html`<th scope="col" class=${numeric.includes(i) ? 'num' : ''}>${c}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr>${r.map((cell, i) => (i === 0 ? html`<th scope="row">${cell}</th>` : html`<td class=${numeric.includes(i) ? 'num' : ''}>${typeof cell === 'number' ? num(cell) : cell}</td>`))}</tr>`)}</tbody>
  </table>
  <p class="table-export"><button type="button" data-testid=${testid ? `${testid}-csv` : undefined} onClick=${() => saveCsv(caption, columns, rows)}>${t('exportCsv')}</button></p>`;
}

/** A CSV cell, quoted when needed and never read as a formula by a spreadsheet. */
export function csvCell(/** @type {string} */ v) {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Saves `lines` (already CSV) as a file the browser downloads. @param {string} name @param {string[]} lines */
export function saveLines(name, lines) {
  const url = URL.createObjectURL(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

/**
 * Every list the console shows can be taken away as CSV: the table's text columns as they are on screen (the
 * columns of buttons are left out). @param {string} caption @param {string[]} columns @param {unknown[][]} rows
 */
function saveCsv(caption, columns, rows) {
  const keep = columns.map((c, i) => c !== '' && rows.some((r) => typeof r[i] === 'string' || typeof r[i] === 'number')).map((k, i) => (k ? i : -1)).filter((i) => i >= 0);
  const text = (/** @type {unknown} */ v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const lines = [keep.map((i) => csvCell(columns[i] ?? '')).join(','), ...rows.map((r) => keep.map((i) => csvCell(text(r[i]))).join(','))];
  saveLines(`${caption.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').toLowerCase() || 'liste'}.csv`, lines);
}

/**
 * Horizontal bars, one per item, with the figure written out (the bar is decoration for the eye, the text for everyone).
 * @param {{ label: string, items: { name: string, value: number, of?: number }[] }} props
 */
export function Bars({ label, items }) {
  const max = Math.max(1, ...items.map((i) => i.of ?? i.value));
  return html`<ul class="bars" aria-label=${label}>
    ${items.map((i) => html`<li>
      <span class="bar-name">${i.name}</span>
      <span class="bar-track" aria-hidden="true"><span class="bar-fill" style=${{ inlineSize: `${(100 * i.value) / max}%` }}></span></span>
      <span class="bar-value">${num(i.value)}${i.of !== undefined ? ` / ${num(i.of)}` : ''}</span>
    </li>`)}
  </ul>`;
}

/** @param {{ at: Date | undefined }} props */
export function Refreshed({ at }) {
  return at ? html`<p class="muted small" aria-live="off">${t('refreshed', { time: time(at) })}</p>` : null;
}
