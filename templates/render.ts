// Entry point of the document templates: turns document data into PDF bytes.
// Output is deterministic (fixed metadata dates, hence a fixed file ID) so the same input always
// yields the same bytes; that lets callers hash/deduplicate documents and replay safely.
import PDFDocument from 'pdfkit';
import { convocation } from './convocation';
import { employmentContract } from './employment-contract';
import { decoratePages, documentDate, setLanguage, type Doc, type Lang } from './layout';
import { predepartureSheet } from './predeparture-sheet';
import { registerFaces } from './typeset';
import { returnCommitment } from './return-commitment';
import { workerLanguage, type ContractDocumentData, type ConvocationDocumentData } from './types';
import { embarkationManifest, type EmbarkationManifestData } from './embarkation-manifest';
import { visaBatchManifest, type VisaBatchManifestData } from './visa-batch-manifest';
import { callListDocument, type CallListData } from './call-list';
import { personExportDocument, type PersonExportData } from './person-export';
import { seasonReportDocument, type SeasonReportData } from './season-report';

interface RenderOptions {
  title: string;
  subject: string;
  issuedOn: string;
  /** printed in every page's header: the cycle, batch or sailing the document belongs to */
  reference: string;
  layout?: 'portrait' | 'landscape';
  margins?: { top: number; bottom: number; left: number; right: number };
  /** the worker's language, printed beside Spanish (worker-facing documents); manifests are French/Spanish */
  lang?: Lang;
}

const PDF_LANG: Record<Lang, string> = { ar: 'ar-MA', fr: 'fr-FR', es: 'es-ES' };
/** The staff lists printed across the page: one line per worker or call. */
const LANDSCAPE = { layout: 'landscape', margins: { top: 62, bottom: 58, left: 40, right: 40 } } as const;

function renderPdf(options: RenderOptions, draw: (doc: Doc) => void): Promise<Buffer> {
  // Inside the executor so a bad issuedOn surfaces as a rejected promise, not a sync throw.
  return new Promise<Buffer>((resolve, reject) => {
    const fixedDate = documentDate(options.issuedOn);
    const doc = new PDFDocument({
      size: 'A4',
      layout: options.layout ?? 'portrait',
      margins: options.margins ?? { top: 62, bottom: 58, left: 56, right: 56 },
      compress: true,
      // no default font: pdfkit would parse Helvetica's metrics for every document, which none of ours uses
      // (every text is set in an embedded face, typeset.ts)
      font: null as unknown as string,
      bufferPages: true, // needed to write "page n / N" once the page count is known
      lang: PDF_LANG[options.lang ?? 'fr'],
      info: {
        Title: options.title,
        Subject: options.subject,
        Author: 'ANAPEC - GECCO',
        Creator: 'GECCO Flow',
        Producer: 'GECCO Flow (PDFKit)',
        CreationDate: fixedDate,
        ModDate: fixedDate,
      },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      registerFaces(doc);
      if (options.lang) setLanguage(doc, options.lang);
      draw(doc);
      decoratePages(doc, options.reference);
      doc.end();
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** A document handed to the worker: in her language beside Spanish, referenced by her cycle. */
function renderWorkerDocument<D extends ContractDocumentData | ConvocationDocumentData>(title: string, data: D, draw: (doc: Doc, data: D) => void): Promise<Buffer> {
  const options = { title, subject: `${data.campaign.name} ${data.campaign.season}`, issuedOn: data.issuedOn, reference: `Réf. ${data.cycleId}`, lang: workerLanguage(data.worker) };
  return renderPdf(options, (doc) => draw(doc, data));
}

export function renderContract(data: ContractDocumentData): Promise<Buffer> {
  return renderWorkerDocument('Contrat de travail saisonnier / Contrato de trabajo de temporada', data, employmentContract);
}

export function renderReturnCommitment(data: ContractDocumentData): Promise<Buffer> {
  return renderWorkerDocument('Engagement de retour / Compromiso de retorno', data, returnCommitment);
}

export function renderConvocation(data: ConvocationDocumentData): Promise<Buffer> {
  return renderWorkerDocument('Convocation au départ / Convocatoria de salida', data, convocation);
}

/** What the worker needs to know before leaving: the contract in short, her rights, the journey, whom to call. */
export function renderPredepartureSheet(data: ContractDocumentData): Promise<Buffer> {
  return renderWorkerDocument('Fiche de pré-départ / Hoja previa a la salida', data, predepartureSheet);
}

export interface DocumentRenderer {
  renderContract: typeof renderContract;
  renderReturnCommitment: typeof renderReturnCommitment;
  renderConvocation: typeof renderConvocation;
  renderPredepartureSheet: typeof renderPredepartureSheet;
  renderEmbarkationManifest: typeof renderEmbarkationManifest;
  renderVisaBatchManifest: typeof renderVisaBatchManifest;
}

/** Injectable bundle, so activities can be given a fake renderer in tests. */
export const documentRenderer: DocumentRenderer = { renderContract, renderReturnCommitment, renderConvocation, renderPredepartureSheet, renderEmbarkationManifest, renderVisaBatchManifest };

/** Embarkation manifest of a sailing, printed on demand from the database (not stored). */
export function renderEmbarkationManifest(data: EmbarkationManifestData): Promise<Buffer> {
  return renderPdf(
    {
      title: "Manifeste d'embarquement / Manifiesto de embarque",
      subject: `${data.campaign.name} ${data.campaign.season} — ${data.departureId}`,
      issuedOn: data.generatedAt.slice(0, 10),
      reference: `Réf. ${data.departureId}`,
    },
    (doc) => embarkationManifest(doc, data),
  );
}

/** Manifest of a consular visa batch (A4 landscape, one line per worker), printed on demand from the database. */
export function renderVisaBatchManifest(data: VisaBatchManifestData): Promise<Buffer> {
  return renderPdf(
    {
      title: `Manifeste du lot de visas ${data.batchId}`,
      subject: `${data.campaign.name} ${data.campaign.season}`,
      issuedOn: data.issuedOn,
      reference: `Lot / Lote ${data.batchId}`,
      ...LANDSCAPE,
    },
    (doc) => visaBatchManifest(doc, data),
  );
}

/** An agency's call list (A4 landscape), printed on demand from the database. */
export function renderCallList(data: CallListData): Promise<Buffer> {
  return renderPdf(
    {
      title: `Liste d'appels ${data.agency.name}`,
      subject: data.filter,
      issuedOn: data.generatedAt.slice(0, 10),
      reference: `${data.agency.id} — ${data.generatedAt.slice(0, 10)}`,
      ...LANDSCAPE,
    },
    (doc) => callListDocument(doc, data),
  );
}

/** Everything held about one person (her export), in her language and Spanish, printed on demand from the database. */
export function renderPersonExport(data: PersonExportData & { lang: Lang }): Promise<Buffer> {
  return renderPdf(
    {
      title: `Données personnelles / Datos personales — ${data.candidateId}`,
      subject: 'Export des données détenues / Exportación de los datos conservados',
      issuedOn: data.generatedAt.slice(0, 10),
      reference: `Dossier / Expediente ${data.candidateId}`,
      lang: data.lang,
    },
    (doc) => personExportDocument(doc, data),
  );
}

/** A season's report with its chart, printed on demand from the database. */
export function renderSeasonReport(data: SeasonReportData): Promise<Buffer> {
  return renderPdf(
    {
      title: `Rapport de la saison ${data.season} / Informe de la temporada ${data.season}`,
      subject: 'Placements, retours et non-retours par province et sexe',
      issuedOn: data.generatedAt.slice(0, 10),
      reference: `Saison / Temporada ${data.season}`,
    },
    (doc) => seasonReportDocument(doc, data),
  );
}
