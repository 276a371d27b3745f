// Bilingual (FR then ES) return commitment signed alongside the contract. Returning on time is
// what keeps the worker eligible for the next GECCO campaign, so the letter says so explicitly.
import type { ContractDocumentData } from './types';
import {
  bi,
  bullets,
  field,
  formatDate,
  fullName,
  heading,
  NOT_PROVIDED,
  paragraph,
  signatures,
  title,
  workerWords,
  type Doc,
} from './layout';

export function returnCommitment(doc: Doc, data: ContractDocumentData): void {
  const { worker, employer, offer, campaign } = data;
  const w = workerWords(worker.sex);
  const name = fullName(worker);
  const end = formatDate(offer.contractEnd);

  title(
    doc,
    { fr: 'Engagement de retour', es: 'Compromiso de retorno' },
    {
      fr: "Gestion collective des recrutements à l'origine (GECCO) — Accord Maroc-Espagne du 25 juillet 2001",
      es: 'Gestión colectiva de contrataciones en origen (GECCO) — Acuerdo España-Marruecos de 25 de julio de 2001',
    },
  );

  heading(doc, { fr: '1. Identité', es: 'Identidad' });
  field(doc, { fr: 'Nom et prénom', es: 'Nombre y apellidos' }, name);
  field(doc, { fr: 'CIN', es: 'CIN (DNI marroquí)' }, worker.nationalId);
  field(doc, { fr: 'Date de naissance', es: 'Fecha de nacimiento' }, formatDate(worker.birthDate));
  field(doc, { fr: 'N° de passeport', es: 'N.º de pasaporte' }, worker.passportNumber || bi(NOT_PROVIDED));
  field(doc, { fr: 'Province / Commune', es: 'Provincia / Comuna' }, `${worker.province} / ${worker.commune}`);

  heading(doc, { fr: '2. Contrat concerné', es: 'Contrato de referencia' });
  field(doc, { fr: 'Employeur', es: 'Empleador' }, `${employer.name} (CIF ${employer.id}) — ${employer.province}`);
  field(doc, { fr: 'Campagne', es: 'Campaña' }, `${campaign.name} — ${campaign.season}`);
  field(doc, { fr: 'Poste', es: 'Puesto' }, offer.post);
  field(doc, { fr: 'Début du contrat', es: 'Inicio del contrato' }, formatDate(offer.contractStart));
  field(doc, { fr: 'Fin du contrat', es: 'Fin del contrato' }, end);
  field(doc, { fr: 'Référence du dossier', es: 'Referencia del expediente' }, data.cycleId);
  if (data.visaNumber) field(doc, { fr: 'N° de visa', es: 'N.º de visado' }, data.visaNumber);

  heading(doc, { fr: '3. Engagement', es: 'Compromiso' });
  paragraph(doc, {
    fr: `Je soussigné${w.eFr} ${name}, titulaire de la CIN ${worker.nationalId}, m'engage à retourner au Maroc à la fin de mon contrat de travail saisonnier, dont le terme est fixé au ${end}, et à ne pas prolonger mon séjour en Espagne au-delà de la durée autorisée.`,
    es: `Yo, ${name}, titular de la CIN ${worker.nationalId}, me comprometo a regresar a Marruecos al término de mi contrato de trabajo de temporada, cuya finalización está fijada el ${end}, y a no prolongar mi estancia en España más allá del periodo autorizado.`,
  });
  paragraph(doc, {
    fr: `Je suis informé${w.eFr} que le retour dans les délais est ce qui permet d'être à nouveau sélectionné${w.eFr} et recruté${w.eFr} lors de la campagne suivante. Un retour tardif ou l'absence de retour peut entraîner l'exclusion des futures campagnes GECCO.`,
    es: `He sido informad${w.aEs} de que regresar en plazo es lo que permite volver a ser seleccionad${w.aEs} y contratad${w.aEs} en la campaña siguiente. El retorno tardío o la falta de retorno puede suponer la exclusión de futuras campañas GECCO.`,
  });

  heading(doc, { fr: '4. Preuve du retour', es: 'Prueba del retorno' });
  paragraph(doc, {
    fr: "À mon retour, je présenterai à l'agence ANAPEC l'une des preuves suivantes :",
    es: 'A mi regreso, presentaré en la agencia ANAPEC una de las siguientes pruebas:',
  });
  bullets(
    doc,
    [
      'Registre de sortie du port / Registro de salida del puerto',
      'Cachet sur le passeport / Sello en el pasaporte',
      'Certificat consulaire / Certificado consular',
    ],
    { size: 9.5 },
  );

  signatures(
    doc,
    { fr: `Fait à ____________________, le ${formatDate(data.issuedOn)}`, es: `En ____________________, a ${formatDate(data.issuedOn)}` },
    [
      { role: w.worker, name },
      { role: { fr: 'Visa ANAPEC', es: 'Visto bueno ANAPEC' }, name: 'Cachet / Sello' },
    ],
  );
}
