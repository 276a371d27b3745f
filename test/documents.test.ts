import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { PDFParse } from 'pdf-parse';
import {
  documentRenderer,
  renderContract,
  renderConvocation,
  renderPredepartureSheet,
  renderReturnCommitment,
  renderVisaBatchManifest,
} from '../templates/render';
import { formatDateTimeCasablanca, formatEuros, rawEuros } from '../templates/layout';
import { missingGlyphs } from '../templates/typeset';

/** The departure's local time as this runtime's time-zone data has Morocco's offset (it changed in tzdata 2026). */
const moroccoDeparture = new Intl.DateTimeFormat('en-GB', { timeZone: 'Africa/Casablanca', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date('2027-01-30T08:00:00Z'));
import type { ContractDocumentData, ConvocationDocumentData } from '../templates/types';

const worker = {
  firstName: 'Fatima',
  lastName: 'El Amrani',
  nationalId: 'BK123456',
  birthDate: '1990-04-12',
  sex: 'F' as const,
  province: 'Kénitra',
  commune: 'Sidi Yahya El Gharb',
  passportNumber: 'VK7654321',
  passportExpiry: '2031-09-30',
  language: 'fr' as const,
};

const employer = {
  id: 'B21123456',
  name: 'Fresas del Condado S.L.',
  province: 'Huelva',
  municipality: 'Moguer',
};

const campaign = { id: 'camp-2027', name: 'Fraise Huelva', season: 2027 };

const contractData: ContractDocumentData = {
  cycleId: 'cyc-2027-000123',
  issuedOn: '2026-11-15',
  worker,
  employer,
  campaign,
  offer: {
    id: 'off-1',
    post: 'Ouvrière agricole / Peón agrícola',
    tasks: 'Cueillette et conditionnement de fraises / Recolección y envasado de fresas',
    contractMonths: 6,
    contractStart: '2027-02-01',
    contractEnd: '2027-07-31',
    trialDays: 15,
    dailyWageEur: '41.00',
    hoursPerDay: '6.5',
    breakMinutes: 30,
    daysOffPerWeek: 1,
    overtimePaid: true,
    housingProvided: true,
    transportPaid: true,
    medicalCover: true,
  },
  authorisationNumber: 'AUT-HU-2027-0042',
  visaNumber: 'ESP-V-998877',
};

const convocationData: ConvocationDocumentData = {
  cycleId: 'cyc-2027-000123',
  issuedOn: '2027-01-15',
  worker,
  employer,
  campaign,
  // 08:00 UTC: 09:00 in Morocco with tzdata up to 2025 (UTC+1 outside Ramadan), 08:00 with 2026e (Node 24's)
  departureAt: '2027-01-30T08:00:00Z',
  port: 'Tanger Ville',
  sailing: 'FRS-TV-0930',
};

async function pdfText(buffer: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(buffer) });
  try {
    const result = await parser.getText();
    // pdf.js may split lines/spaces differently from what we drew; normalise whitespace.
    return result.text.replace(/\s+/g, ' ');
  } finally {
    await parser.destroy();
  }
}

describe('layout helpers', () => {
  it('formats euros and times', () => {
    expect(formatEuros('41.00')).toBe('41,00 €');
    expect(formatEuros('1234.5')).toBe('1 234,50 €');
    expect(rawEuros('41')).toBe('41.00 EUR');
    expect(formatDateTimeCasablanca('2027-01-30T08:00:00Z')).toBe(`30/01/2027 ${moroccoDeparture}`);
  });

});

describe('document templates', () => {
  it('renders the bilingual employment contract', async () => {
    const pdf = await renderContract(contractData);
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    const text = await pdfText(pdf);
    expect(text).toContain('CONTRAT DE TRAVAIL SAISONNIER');
    expect(text).toContain('CONTRATO DE TRABAJO DE TEMPORADA');
    expect(text).toContain('41,00 € par jour travaillé');
    expect(text).toContain('41,00 € por día trabajado');
    expect(text).toContain('41.00 EUR');
    expect(text).toContain('01/02/2027');
    expect(text).toContain('31/07/2027');
    expect(text).toContain('Fatima EL AMRANI');
    expect(text).toContain('BK123456');
    expect(text).toContain('15 jours / 15 días');
    expect(text).toContain('6 mois / 6 meses');
    expect(text).toContain('6,5 heures');
    expect(text).toContain('30 minutes');
    expect(text).toContain('VK7654321');
    expect(text).toContain('30/09/2031');
    expect(text).toContain('B21123456');
    expect(text).toContain('AUT-HU-2027-0042');
    expect(text).toContain('ESP-V-998877');
    expect(text).toContain('cyc-2027-000123');
    expect(text).toContain('Tanger – Huelva');
    expect(text).toContain('25 juillet 2001');
    expect(text).toContain('25 de julio de 2001');
    expect(text).toContain('Rémunération / Retribución');
    expect(text).toContain('ANAPEC — GECCO');
  });

  it('renders the return commitment with the contract end date', async () => {
    const pdf = await renderReturnCommitment(contractData);
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    const text = await pdfText(pdf);
    expect(text).toContain('ENGAGEMENT DE RETOUR');
    expect(text).toContain('COMPROMISO DE RETORNO');
    expect(text).toContain('31/07/2027');
    expect(text).toContain('Fatima EL AMRANI');
    expect(text).toContain('BK123456');
    expect(text).toContain('Fresas del Condado S.L.');
    expect(text).toContain('cyc-2027-000123');
    expect(text).toMatch(/certificat consulaire/i);
  });

  it('renders the convocation with departure time in Moroccan time', async () => {
    const pdf = await renderConvocation(convocationData);
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    const text = await pdfText(pdf);
    expect(text).toContain('CONVOCATION AU DÉPART');
    expect(text).toContain(`30/01/2027 ${moroccoDeparture}`);
    expect(text).toContain('Tanger Ville');
    expect(text).toContain('Tarifa');
    expect(text).toContain('FRS-TV-0930');
    expect(text).toContain('Fatima EL AMRANI');
    expect(text).toContain('BK123456');
    expect(text).toContain('La fiche de police');
    expect(text).toContain("Remis par l'agence régionale au port de Tanger Ville");
    expect(text).toContain('cyc-2027-000123');
  });

  it('handles missing optional fields', async () => {
    const text = await pdfText(
      await renderContract({
        ...contractData,
        worker: { ...worker, sex: 'M', passportNumber: null, passportExpiry: null },
        employer: { ...employer, municipality: null },
        authorisationNumber: null,
        visaNumber: undefined,
      }),
    );
    expect(text).toContain('non communiqué / no comunicado');
    expect(text).toContain('Le travailleur');
    const conv = await pdfText(await renderConvocation({ ...convocationData, sailing: null }));
    expect(conv).toContain('communiquée ultérieurement');
  });

  it('is deterministic: same input, same bytes', async () => {
    const [a, b] = await Promise.all([renderContract(contractData), documentRenderer.renderContract(contractData)]);
    expect(a.equals(b)).toBe(true);
    const [c, d] = await Promise.all([renderReturnCommitment(contractData), renderReturnCommitment(contractData)]);
    expect(c.equals(d)).toBe(true);
    const [e, f] = await Promise.all([renderConvocation(convocationData), renderConvocation(convocationData)]);
    expect(e.equals(f)).toBe(true);
    // A different issue date changes the bytes (metadata dates are derived from it).
    const g = await renderContract({ ...contractData, issuedOn: '2026-11-16' });
    expect(a.equals(g)).toBe(false);
  });

  it('rejects an invalid issue date', async () => {
    await expect(renderContract({ ...contractData, issuedOn: 'not-a-date' })).rejects.toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Arabic: read back with poppler (scripts/ensure-poppler.sh installs it), pages rendered to test-artifacts/.

const ARTIFACTS = path.resolve(import.meta.dirname, '../test-artifacts/documents');
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** pdftotext's text (logical order for right-to-left lines), without the embedding marks it adds, one space between words. */
function popplerText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gecco-pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 'doc.pdf'), pdf);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'doc.pdf'), '-']).toString('utf8').replace(BIDI_CONTROLS, '').replace(/\s+/g, ' ');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** First page rendered to a PNG kept as a test artefact (git-ignored). */
function renderPage(pdf: Buffer, name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, path.join(ARTIFACTS, name)]);
  return path.join(ARTIFACTS, `${name}.png`);
}

const arabicWorker = {
  ...worker,
  firstName: 'فاطمة',
  lastName: 'العمراني',
  province: 'القنيطرة',
  commune: 'سيدي يحيى الغرب',
  language: 'ar' as const,
};
const arabicContract: ContractDocumentData = { ...contractData, worker: arabicWorker };
const arabicConvocation: ConvocationDocumentData = { ...convocationData, worker: { ...arabicWorker, sex: 'M', firstName: 'محمد', lastName: 'بناني' } };

describe('documents in Arabic beside Spanish', () => {
  it('prints the contract in Arabic and Spanish: shaped, in logical order, names as written, gendered', async () => {
    const pdf = await renderContract(arabicContract);
    const text = popplerText(pdf);
    expect(text).toContain('عقد عمل موسمي');
    expect(text).toContain('CONTRATO DE TRABAJO DE TEMPORADA');
    expect(text).toContain('فاطمة العمراني');
    expect(text).toContain('سيدي يحيى الغرب');
    expect(text).toContain('تلتزم العاملة بالعودة إلى المغرب عند نهاية العقد');
    expect(text).toContain('La trabajadora se compromete a regresar a Marruecos');
    expect(text).toContain('يستحق الأجر عن كل يوم عمل فعلي');
    expect(text).toContain('يورو عن كل يوم عمل');
    expect(text).toContain('en árabe y en español');
    expect(text).not.toContain('CONTRAT DE TRAVAIL');
    expect(text).not.toContain('?');
    expect(renderPage(pdf, 'contract-ar')).toMatch(/contract-ar\.png$/);
  });

  it('prints the return commitment and the pre-departure sheet in Arabic', async () => {
    const commitment = popplerText(await renderReturnCommitment(arabicContract));
    expect(commitment).toContain('التزام بالعودة');
    expect(commitment).toContain('أنا الموقعة أسفله');
    expect(commitment).toContain('شهادة قنصلية');
    expect(commitment).not.toContain('?');
    renderPage(await renderReturnCommitment(arabicContract), 'return-commitment-ar');
    const sheetPdf = await renderPredepartureSheet(arabicContract);
    const sheet = popplerText(sheetPdf);
    expect(sheet).toContain('ورقة ما قبل السفر');
    expect(sheet).toContain('حقوقك في إسبانيا');
    expect(sheet).toContain('بطاقة الشرطة');
    expect(sheet).toContain('HOJA PREVIA A LA SALIDA');
    expect(sheet).not.toContain('?');
    renderPage(sheetPdf, 'predeparture-sheet-ar');
  });

  it('convokes a man in the masculine and says what the agency hands over at Tanger Ville', async () => {
    const pdf = await renderConvocation(arabicConvocation);
    const text = popplerText(pdf);
    expect(text).toContain('استدعاء للسفر');
    expect(text).toContain('محمد بناني');
    expect(text).toContain('السيد الفاضل');
    expect(text).toContain('أنت مدعو للسفر');
    expect(text).not.toContain('مدعوة');
    expect(text).toContain('ما تسلمه لك الوكالة الجهوية في ميناء طنجة المدينة');
    expect(text).toContain('جواز السفر وعليه تأشيرة العمل');
    expect(text).toContain('تذكرة العبور إلى طريفة');
    expect(text).toContain('ما يجب أن تحضره معك');
    expect(text).toContain('Queda convocado a la salida');
    expect(text).not.toContain('?');
    renderPage(pdf, 'convocation-ar');
  });

  it('prints names in any Latin script with their accents, and loses no glyph anywhere', async () => {
    const text = popplerText(await renderContract({ ...contractData, worker: { ...worker, firstName: 'Ṣaḥrāʾ', lastName: 'Đặng Œuvray' } }));
    expect(text).toContain('Ṣaḥrāʾ ĐẶNG ŒUVRAY');
    expect(missingGlyphs()).toEqual([]);
  });

  it('writes a Spanish-reading worker\'s documents once, in Spanish', async () => {
    const text = popplerText(await renderConvocation({ ...convocationData, worker: { ...worker, language: 'es' } }));
    expect(text).toContain('CONVOCATORIA DE SALIDA');
    expect(text).not.toContain('CONVOCATION AU DÉPART');
    expect(text).toContain('Estimada señora');
  });
});

describe('staff documents', () => {
  it('prints names written in Arabic as written in a visa batch manifest', async () => {
    const member = {
      n: 1, cycleId: 'worker-x-1', nationalId: 'BK123456', firstName: 'فاطمة', lastName: 'العمراني', province: 'القنيطرة',
      passportNumber: 'VK7654321', passportExpiry: '2031-09-30', employerId: 'B21123456', employerName: 'Fresas del Condado S.L.',
      authorisationNumber: 'AUT-1', offerId: 'off-1', contractStart: '2027-02-01', contractEnd: '2027-07-31', attempt: 1, decision: null,
    };
    const pdf = await renderVisaBatchManifest({ batchId: 'visa-x-1', issuedOn: '2026-12-01', campaign, weekStart: '2026-12-07', capacity: 1500, lodgedOn: null, members: [member, { ...member, n: 2, firstName: 'Élodie', lastName: 'Ñúñez' }] });
    const text = popplerText(pdf);
    expect(text).toContain('فاطمة');
    expect(text).toContain('العمراني');
    expect(text).toContain('Élodie');
    expect(text).not.toContain('?');
    renderPage(pdf, 'visa-batch-manifest');
  });
});
