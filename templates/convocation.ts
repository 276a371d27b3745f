// Convocation letter for the departure. Written in French (the worker's working language) with a
// short Spanish summary at the end for the employer and the Spanish border officers.
import type { ConvocationDocumentData } from './types';
import {
  ACCENT,
  FONT,
  FONT_BOLD,
  INK,
  bullets,
  field,
  formatDate,
  formatDateTimeCasablanca,
  fullName,
  heading,
  MUTED,
  plain,
  title,
  winAnsi,
  workerWords,
  type Doc,
} from './layout';

/** Arrival port of the Tanger Ville crossing. */
export const DESTINATION_PORT = 'Tarifa';

export function convocation(doc: Doc, data: ConvocationDocumentData): void {
  const { worker, employer, campaign } = data;
  const w = workerWords(worker.sex);
  const name = fullName(worker);
  const departure = formatDateTimeCasablanca(data.departureAt);
  const sailing = data.sailing || 'communiquée ultérieurement / se comunicará más adelante';

  title(doc, { fr: 'Convocation au départ', es: 'Convocatoria de salida' });

  // Addressee block, right-aligned like a letter.
  const x = doc.page.margins.left;
  const width = doc.page.width - x - doc.page.margins.right;
  doc.font(FONT).fontSize(9.5).fillColor(INK)
    .text(`Le ${formatDate(data.issuedOn)}`, x, doc.y, { width, align: 'right' });
  doc.moveDown(0.5);
  doc.font(FONT_BOLD).text(winAnsi(`${w.civility} ${name}`), x, doc.y, { width, align: 'right' });
  doc.font(FONT).text(winAnsi(`CIN ${worker.nationalId}`), x, doc.y, { width, align: 'right' });
  doc.text(winAnsi(`${worker.commune}, ${worker.province}`), x, doc.y, { width, align: 'right' });
  doc.moveDown(1);

  plain(doc, `Objet : départ pour la campagne ${campaign.name} ${campaign.season}`, { bold: true });
  doc.moveDown(0.6);
  plain(doc, `${w.civility === 'Mme' ? 'Madame' : 'Monsieur'},`);
  doc.moveDown(0.4);
  plain(
    doc,
    `Dans le cadre de la gestion collective des recrutements à l'origine (GECCO), vous avez été retenu${w.eFr} par l'employeur ${employer.name} (${employer.province}, Espagne) pour la campagne ${campaign.name} ${campaign.season}. Vous êtes convoqué${w.eFr} au départ selon les indications ci-dessous.`,
  );

  heading(doc, { fr: 'Départ', es: 'Salida' });
  field(doc, { fr: 'Date et heure (heure du Maroc)', es: 'Fecha y hora (hora de Marruecos)' }, departure);
  field(doc, { fr: "Port d'embarquement", es: 'Puerto de embarque' }, data.port);
  field(doc, { fr: 'Trajet', es: 'Trayecto' }, `${data.port} -> ${DESTINATION_PORT}`);
  field(doc, { fr: 'Traversée', es: 'Travesía' }, sailing);
  field(doc, { fr: 'Employeur', es: 'Empleador' }, `${employer.name} — ${employer.municipality ? `${employer.municipality}, ` : ''}${employer.province}`);
  field(doc, { fr: 'Référence du dossier', es: 'Referencia del expediente' }, data.cycleId);

  heading(doc, { fr: 'Documents à apporter', es: 'Documentos que debe llevar' });
  bullets(doc, [
    'Passeport en cours de validité portant le visa de travail',
    "Carte d'identité nationale (CIN)",
    'Contrat de travail saisonnier signé',
    'Engagement de retour signé',
    'Fiche de police remplie',
  ]);
  doc.moveDown(0.4);
  plain(
    doc,
    "Présentez-vous au port à l'avance avec l'ensemble de ces documents. En cas d'empêchement, prévenez immédiatement votre agence ANAPEC : une absence non signalée peut vous faire perdre votre place pour cette campagne.",
  );
  doc.moveDown(0.6);
  plain(doc, "Veuillez agréer l'expression de nos salutations distinguées.");
  doc.moveDown(0.3);
  plain(doc, 'ANAPEC — Service GECCO', { bold: true, color: ACCENT });

  heading(doc, { fr: 'Résumé en espagnol', es: 'Resumen en español' });
  plain(
    doc,
    `${w.worker.es} ${name} (CIN ${worker.nationalId}) ha sido seleccionad${w.aEs} por ${employer.name} para la campaña ${campaign.name} ${campaign.season}. Salida el ${departure} (hora de Marruecos) desde el puerto de ${data.port} con destino a ${DESTINATION_PORT}. Travesía: ${sailing}. Debe presentar: pasaporte con visado, CIN, contrato firmado, compromiso de retorno firmado y ficha policial. Referencia: ${data.cycleId}.`,
    { italic: true, size: 9.5, color: MUTED },
  );
}
