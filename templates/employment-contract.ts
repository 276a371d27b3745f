// Bilingual (FR then ES, paragraph by paragraph) seasonal employment contract under GECCO.
// The worker reads French, the employer and the Spanish authorities read Spanish: every clause
// is printed in both languages, and every figure is printed once in a shared "label | value" row.
import type { ContractDocumentData } from './types';
import {
  bi,
  field,
  formatDate,
  formatDecimal,
  formatEuros,
  fullName,
  heading,
  NOT_PROVIDED,
  paragraph,
  rawEuros,
  signatures,
  title,
  workerWords,
  yesNo,
  type Doc,
} from './layout';

/** Legal ceiling for a GECCO seasonal contract (fixed-term, Spanish common law). */
export const MAX_CONTRACT_MONTHS = 9;

export function employmentContract(doc: Doc, data: ContractDocumentData): void {
  const { worker, employer, offer, campaign } = data;
  const w = workerWords(worker.sex);
  const name = fullName(worker);
  const start = formatDate(offer.contractStart);
  const end = formatDate(offer.contractEnd);
  const wage = formatEuros(offer.dailyWageEur);
  const hours = formatDecimal(offer.hoursPerDay);
  const transportRoute = `Tanger -> ${employer.province}`;

  title(
    doc,
    { fr: 'Contrat de travail saisonnier', es: 'Contrato de trabajo de temporada' },
    {
      fr: "Gestion collective des recrutements à l'origine (GECCO) — Accord sur la main-d'oeuvre entre le Royaume du Maroc et le Royaume d'Espagne du 25 juillet 2001",
      es: 'Gestión colectiva de contrataciones en origen (GECCO) — Acuerdo sobre mano de obra entre el Reino de España y el Reino de Marruecos de 25 de julio de 2001',
    },
  );

  field(doc, { fr: 'Campagne', es: 'Campaña' }, `${campaign.name} — ${campaign.season}`);
  field(doc, { fr: 'Référence du dossier', es: 'Referencia del expediente' }, data.cycleId);
  field(doc, { fr: "N° d'autorisation", es: 'N.º de autorización' }, data.authorisationNumber || bi(NOT_PROVIDED));
  field(doc, { fr: 'N° de visa', es: 'N.º de visado' }, data.visaNumber || bi(NOT_PROVIDED));
  field(doc, { fr: 'Établi le', es: 'Expedido el' }, formatDate(data.issuedOn));

  heading(doc, { fr: '1. Parties', es: 'Partes' });
  paragraph(doc, {
    fr: "D'une part, l'employeur (ci-après « l'employeur ») :",
    es: 'De una parte, el empleador (en adelante, «el empleador»):',
  });
  field(doc, { fr: 'Raison sociale', es: 'Razón social' }, employer.name);
  field(doc, 'CIF', employer.id);
  field(doc, { fr: 'Province', es: 'Provincia' }, employer.province);
  field(doc, { fr: 'Commune', es: 'Municipio' }, employer.municipality || bi(NOT_PROVIDED));
  doc.moveDown(0.4);
  paragraph(doc, {
    fr: `D'autre part, ${w.worker.fr.toLowerCase()} (ci-après « ${w.worker.fr.toLowerCase()} ») :`,
    es: `De otra parte, ${w.worker.es.toLowerCase()} (en adelante, «${w.worker.es.toLowerCase()}»):`,
  });
  field(doc, { fr: 'Nom et prénom', es: 'Nombre y apellidos' }, name);
  field(doc, { fr: 'CIN', es: 'CIN (DNI marroquí)' }, worker.nationalId);
  field(doc, { fr: 'Date de naissance', es: 'Fecha de nacimiento' }, formatDate(worker.birthDate));
  field(doc, { fr: 'N° de passeport', es: 'N.º de pasaporte' }, worker.passportNumber || bi(NOT_PROVIDED));
  field(doc, { fr: 'Expiration du passeport', es: 'Caducidad del pasaporte' }, worker.passportExpiry ? formatDate(worker.passportExpiry) : bi(NOT_PROVIDED));
  field(doc, { fr: 'Province', es: 'Provincia' }, worker.province);
  field(doc, { fr: 'Commune', es: 'Comuna' }, worker.commune);

  heading(doc, { fr: '2. Objet et durée', es: 'Objeto y duración' });
  paragraph(doc, {
    fr: `Le présent contrat est un contrat de travail à durée déterminée, de caractère saisonnier, conclu selon le droit commun espagnol du travail (Estatuto de los Trabajadores) dans le cadre de la gestion collective des recrutements à l'origine. Sa durée ne peut excéder ${MAX_CONTRACT_MONTHS} mois.`,
    es: `El presente contrato es un contrato de trabajo de duración determinada, de temporada, celebrado conforme al derecho laboral común español (Estatuto de los Trabajadores) en el marco de la gestión colectiva de contrataciones en origen. Su duración no podrá exceder de ${MAX_CONTRACT_MONTHS} meses.`,
  });
  field(doc, { fr: 'Poste', es: 'Puesto' }, offer.post);
  field(doc, { fr: 'Tâches', es: 'Tareas' }, offer.tasks);
  field(doc, { fr: 'Durée du contrat', es: 'Duración del contrato' }, `${offer.contractMonths} mois / ${offer.contractMonths} ${offer.contractMonths === 1 ? 'mes' : 'meses'}`);
  field(doc, { fr: 'Date de début', es: 'Fecha de inicio' }, start);
  field(doc, { fr: 'Date de fin', es: 'Fecha de finalización' }, end);
  field(doc, { fr: "Période d'essai", es: 'Periodo de prueba' }, `${offer.trialDays} jours / ${offer.trialDays} días`);

  heading(doc, { fr: '3. Rémunération', es: 'Retribución' });
  field(doc, { fr: 'Salaire journalier', es: 'Salario diario' }, `${wage} par jour travaillé / ${wage} por día trabajado (${rawEuros(offer.dailyWageEur)})`);
  field(doc, { fr: 'Heures supplémentaires payées', es: 'Horas extraordinarias retribuidas' }, bi(yesNo(offer.overtimePaid)));
  paragraph(doc, {
    fr: "Le salaire est dû pour chaque jour effectivement travaillé. Il ne peut être inférieur au minimum prévu par la convention collective agricole de la province, qui s'applique pour tout ce qui n'est pas prévu ici.",
    es: 'El salario se devenga por cada día efectivamente trabajado. No podrá ser inferior al mínimo previsto en el convenio colectivo del campo de la provincia, que se aplica en todo lo no previsto aquí.',
  });

  heading(doc, { fr: '4. Temps de travail', es: 'Jornada' });
  field(doc, { fr: 'Heures par jour', es: 'Horas al día' }, `${hours} heures / ${hours} horas`);
  field(doc, { fr: 'Pause', es: 'Descanso' }, `${offer.breakMinutes} minutes / ${offer.breakMinutes} minutos`);
  field(doc, { fr: 'Jours de repos par semaine', es: 'Días de descanso semanal' }, String(offer.daysOffPerWeek));

  heading(doc, { fr: '5. Logement, transport et santé', es: 'Alojamiento, transporte y salud' });
  field(doc, { fr: "Logement à la charge de l'employeur", es: 'Alojamiento a cargo del empleador' }, bi(yesNo(offer.housingProvided)));
  field(doc, { fr: `Transport ${transportRoute} à la charge de l'employeur`, es: `Transporte ${transportRoute} a cargo del empleador` }, bi(yesNo(offer.transportPaid)));
  field(doc, { fr: 'Couverture médicale', es: 'Cobertura sanitaria' }, bi(yesNo(offer.medicalCover)));
  paragraph(doc, {
    fr: `L'employeur affilie ${w.worker.fr.toLowerCase()} à la Sécurité sociale espagnole dès le premier jour de travail. ${offer.housingProvided ? 'Le logement fourni doit être digne et conforme à la réglementation en vigueur.' : ''}`.trim(),
    es: `El empleador da de alta a ${w.worker.es.toLowerCase()} en la Seguridad Social española desde el primer día de trabajo. ${offer.housingProvided ? 'El alojamiento facilitado deberá ser digno y conforme a la normativa vigente.' : ''}`.trim(),
  });

  heading(doc, { fr: '6. Retour au Maroc', es: 'Retorno a Marruecos' });
  paragraph(doc, {
    fr: `${w.worker.fr} s'engage à retourner au Maroc à la fin du contrat, le ${end}, et à présenter la preuve de son retour, selon l'engagement de retour signé séparément. Le respect de cet engagement conditionne la possibilité d'être recruté${w.eFr} lors de la campagne suivante.`,
    es: `${w.worker.es} se compromete a regresar a Marruecos al término del contrato, el ${end}, y a presentar la prueba de su retorno, según el compromiso de retorno firmado por separado. El cumplimiento de este compromiso condiciona la posibilidad de ser contratad${w.aEs} en la campaña siguiente.`,
  });

  heading(doc, { fr: '7. Droit applicable', es: 'Legislación aplicable' });
  paragraph(doc, {
    fr: `Le présent contrat est régi par la législation espagnole du travail. Tout litige relève de la juridiction sociale de la province de ${employer.province}. Fait en deux exemplaires, en français et en espagnol ; chaque partie en reçoit un.`,
    es: `El presente contrato se rige por la legislación laboral española. Cualquier litigio corresponde a la jurisdicción social de la provincia de ${employer.province}. Hecho por duplicado, en francés y en español; cada parte recibe un ejemplar.`,
  });

  // The parties sign in different places (Spain / ANAPEC agency), so the place is left blank.
  signatures(
    doc,
    { fr: `Fait à ____________________, le ${formatDate(data.issuedOn)}`, es: `En ____________________, a ${formatDate(data.issuedOn)}` },
    [
      { role: { fr: "L'employeur", es: 'El empleador' }, name: employer.name },
      { role: w.worker, name },
    ],
  );
}
