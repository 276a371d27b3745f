// The worker documents' rendering cost: `npm run bench:documents -- [--workers 200]`. Renders, for N different workers
// (names, CIN and cycle change every time, as in a season), the four documents a worker gets (contract, return
// commitment, pre-departure sheet, convocation) in each worker language, in the process, one at a time, as the
// worker's activities do. Writes bench-results/documents-<ts>.json: mean and p95 ms per document kind and language,
// and ms per worker's set. Rendering was most of the worker process's CPU in a season (bench/README.md).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../config';
import { documentRenderer as render } from '../templates/render';
import type { ContractDocumentData, ConvocationDocumentData } from '../templates/types';

const { values: args } = parseArgs({ options: { workers: { type: 'string', default: '200' }, warmup: { type: 'string', default: '10' } } });
const WORKERS = Number(args.workers);
const WARMUP = Number(args.warmup);
const LANGS = ['ar', 'fr', 'es'] as const;

function contractFor(lang: (typeof LANGS)[number], k: number): ContractDocumentData {
  return {
    cycleId: `bench-2027-${k}`,
    issuedOn: '2026-11-15',
    worker: {
      firstName: k % 2 ? `Fatima ${k}` : `فاطمة ${k}`,
      lastName: `El Amrani ${k}`,
      nationalId: `BD${String(100000 + k).padStart(6, '0')}`,
      birthDate: '1990-04-12',
      sex: k % 10 === 9 ? 'M' : 'F',
      province: 'Kénitra',
      commune: 'Sidi Yahya El Gharb',
      passportNumber: `MA${1000000 + k}`,
      passportExpiry: '2034-01-01',
      language: lang,
    },
    employer: { id: 'B21123456', name: 'Fresas del Condado S.L.', province: 'Huelva', municipality: 'Moguer' },
    offer: {
      id: 'offer-1', post: 'Ouvrière agricole (récolte de fraises)', tasks: 'Récolte, conditionnement', contractMonths: 6,
      contractStart: '2027-02-01', contractEnd: '2027-07-31', trialDays: 15, dailyWageEur: '41.00', hoursPerDay: '6.5',
      breakMinutes: 30, daysOffPerWeek: 1, overtimePaid: true, housingProvided: true, transportPaid: true, medicalCover: true,
    },
    campaign: { id: 'camp-2027', name: 'Fraise Huelva', season: 2027 },
    authorisationNumber: `MY-${k}`,
    visaNumber: `V-${k}`,
  };
}

function convocationFor(data: ContractDocumentData): ConvocationDocumentData {
  return { cycleId: data.cycleId, issuedOn: data.issuedOn, worker: data.worker, employer: data.employer, campaign: data.campaign, departureAt: '2027-01-30T08:00:00Z', port: 'Tanger Ville', sailing: 'S-1' };
}

const kinds = {
  employment_contract: (d: ContractDocumentData) => render.renderContract(d),
  return_commitment: (d: ContractDocumentData) => render.renderReturnCommitment(d),
  predeparture_sheet: (d: ContractDocumentData) => render.renderPredepartureSheet(d),
  convocation: (d: ContractDocumentData) => render.renderConvocation(convocationFor(d)),
};

const stats = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { mean: +(ms.reduce((s, x) => s + x, 0) / ms.length).toFixed(2), p95: +sorted[Math.floor(0.95 * (sorted.length - 1))]!.toFixed(2) };
};

const results: Record<string, Record<string, { mean: number; p95: number; bytes: number }>> = {};
const perWorker: Record<string, number> = {};
let k = 0;
for (const lang of LANGS) {
  for (let i = 0; i < WARMUP; i++) for (const f of Object.values(kinds)) await f(contractFor(lang, ++k));
  const times: Record<string, number[]> = {};
  const bytes: Record<string, number> = {};
  const started = performance.now();
  for (let i = 0; i < WORKERS; i++) {
    const data = contractFor(lang, ++k);
    for (const [kind, f] of Object.entries(kinds)) {
      const t0 = performance.now();
      bytes[kind] = (await f(data)).length;
      (times[kind] ??= []).push(performance.now() - t0);
    }
  }
  perWorker[lang] = +((performance.now() - started) / WORKERS).toFixed(2);
  results[lang] = Object.fromEntries(Object.entries(times).map(([kind, ms]) => [kind, { ...stats(ms), bytes: bytes[kind]! }]));
  console.log(`${lang}: ${perWorker[lang]} ms per worker's 4 documents; ${Object.entries(results[lang]!).map(([kind, s]) => `${kind} ${s.mean} ms`).join(', ')}`);
}

const resultsDir = path.join(projectRoot, 'bench-results');
fs.mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `documents-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, `${JSON.stringify({ workers: WORKERS, warmup: WARMUP, node: process.version, msPerWorker: perWorker, byLanguage: results }, null, 2)}\n`);
console.log(`result: ${path.relative(projectRoot, file)}`);
