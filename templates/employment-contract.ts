// Bilingual seasonal employment contract under GECCO: every clause in the worker's language (Arabic, French or
// Spanish) then in Spanish (the employer's and the Spanish authorities' language, and the contract's legal one),
// gendered by the worker's sex; every figure is printed once in a shared "label | value" row.
import { workerLanguage, type ContractDocumentData } from './types';
import {
  bi,
  field,
  formatEurosArabic,
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

const FORM_NAMES = {
  multi_year: { ar: 'دائم متقطع (fijo-discontinuo)', fr: 'Fixe discontinu (fijo-discontinuo)', es: 'Fijo-discontinuo' },
  fixed_term: { ar: 'محدد المدة', fr: 'À durée déterminée', es: 'De duración determinada' },
} as const;

/**
 * Clause 2 by the campaign's framework: under the multi-year circular framework (RD 629/2022) the contract is
 * fixed-discontinuous and outlives the season (the employer calls the worker back each campaign, within the 4-year
 * authorisation); first-season and other schemes sign a fixed-term seasonal contract.
 */
function legalForm(data: ContractDocumentData, start: string, end: string): { ar: string; fr: string; es: string } {
  const f = data.worker.sex === 'F';
  const w = workerWords(data.worker.sex);
  const season = data.campaign.season;
  if ((data.campaign.framework ?? 'multi_year') === 'fixed_term') {
    return {
      ar: `هذا العقد عقد عمل موسمي محدد المدة (المادة 15 من النظام الأساسي للعمال)، مبرم وفق قانون الشغل الإسباني العام (Estatuto de los Trabajadores) في إطار التدبير الجماعي للتشغيل في بلد المنشأ. ولا يمكن أن تتجاوز مدته ${MAX_CONTRACT_MONTHS} أشهر، وينتهي في ${end}.`,
      fr: `Le présent contrat est un contrat de travail à durée déterminée (article 15 du Statut des travailleurs), de caractère saisonnier, conclu selon le droit commun espagnol du travail (Estatuto de los Trabajadores) dans le cadre de la gestion collective des recrutements à l'origine. Sa durée ne peut excéder ${MAX_CONTRACT_MONTHS} mois ; il prend fin le ${end}.`,
      es: `El presente contrato es un contrato de trabajo de duración determinada (artículo 15 del Estatuto de los Trabajadores), de temporada, celebrado conforme al derecho laboral común español en el marco de la gestión colectiva de contrataciones en origen. Su duración no podrá exceder de ${MAX_CONTRACT_MONTHS} meses; se extingue el ${end}.`,
    };
  }
  return {
    ar: `هذا العقد عقد عمل دائم متقطع (fijo-discontinuo، المادة 16 من النظام الأساسي للعمال)، مرتبط برخصة العمل المتعددة السنوات لمدة أربع سنوات في إطار الهجرة الدائرية (المرسوم الملكي 629/2022 المؤرخ في 26 يوليوز 2022). ولا ينتهي بانتهاء الموسم: ${f ? 'يستدعي المشغل العاملة' : 'يستدعي المشغل العامل'} في كل حملة، لمدة لا تتجاوز ${MAX_CONTRACT_MONTHS} أشهر من العمل في كل فترة 12 شهرا في نفس القطاع، ${f ? 'وتعود العاملة' : 'ويعود العامل'} إلى المغرب في نهاية كل موسم. الاستدعاء لحملة ${season}: من ${start} إلى ${end}.`,
    fr: `Le présent contrat est un contrat de travail fixe discontinu (fijo-discontinuo, article 16 du Statut des travailleurs), lié à l'autorisation de travail pluriannuelle de quatre ans du cadre de migration circulaire (Real Decreto 629/2022 du 26 juillet 2022). Il ne prend pas fin avec la saison : l'employeur rappelle ${w.worker.fr.toLowerCase()} à chaque campagne, pour au plus ${MAX_CONTRACT_MONTHS} mois de travail par période de 12 mois dans un même secteur, et ${f ? 'elle' : 'il'} retourne au Maroc à la fin de chaque saison. Appel pour la campagne ${season} : du ${start} au ${end}.`,
    es: `El presente contrato es un contrato de trabajo fijo-discontinuo (artículo 16 del Estatuto de los Trabajadores), vinculado a la autorización de trabajo plurianual de cuatro años del marco de migración circular (Real Decreto 629/2022, de 26 de julio). No se extingue con la temporada: el empleador llama ${f ? 'a la trabajadora' : 'al trabajador'} en cada campaña, por un máximo de ${MAX_CONTRACT_MONTHS} meses de trabajo en cada período de 12 meses en un mismo sector, y ${f ? 'ella' : 'él'} regresa a Marruecos al final de cada temporada. Llamamiento para la campaña ${season}: del ${start} al ${end}.`,
  };
}

export function employmentContract(doc: Doc, data: ContractDocumentData): void {
  const { worker, employer, offer, campaign } = data;
  const w = workerWords(worker.sex);
  const name = fullName(worker);
  const start = formatDate(offer.contractStart);
  const end = formatDate(offer.contractEnd);
  const wage = formatEuros(offer.dailyWageEur);
  const hours = formatDecimal(offer.hoursPerDay);
  const transportRoute = `Tanger – ${employer.province}`;
  const f = worker.sex === 'F';
  const lang = workerLanguage(worker);
  const languageName = { ar: { fr: 'arabe', es: 'árabe' }, fr: { fr: 'français', es: 'francés' }, es: { fr: 'espagnol', es: 'español' } }[lang];
  const v = (p: { ar: string; fr: string; es: string }) => bi(p, doc);

  title(
    doc,
    { ar: 'عقد عمل موسمي', fr: 'Contrat de travail saisonnier', es: 'Contrato de trabajo de temporada' },
    {
      ar: 'التدبير الجماعي للتشغيل في بلد المنشأ (GECCO) — اتفاقية اليد العاملة بين المملكة المغربية ومملكة إسبانيا المؤرخة في 25 يوليوز 2001',
      fr: "Gestion collective des recrutements à l'origine (GECCO) — Accord sur la main-d'oeuvre entre le Royaume du Maroc et le Royaume d'Espagne du 25 juillet 2001",
      es: 'Gestión colectiva de contrataciones en origen (GECCO) — Acuerdo sobre mano de obra entre el Reino de España y el Reino de Marruecos de 25 de julio de 2001',
    },
  );

  field(doc, { ar: 'الحملة', fr: 'Campagne', es: 'Campaña' }, `${campaign.name} — ${campaign.season}`);
  field(doc, { ar: 'مرجع الملف', fr: 'Référence du dossier', es: 'Referencia del expediente' }, data.cycleId);
  field(doc, { ar: 'رقم رخصة العمل', fr: "N° d'autorisation", es: 'N.º de autorización' }, data.authorisationNumber || v(NOT_PROVIDED));
  field(doc, { ar: 'رقم التأشيرة', fr: 'N° de visa', es: 'N.º de visado' }, data.visaNumber || v(NOT_PROVIDED));
  field(doc, { ar: 'حرر في', fr: 'Établi le', es: 'Expedido el' }, formatDate(data.issuedOn));

  heading(doc, { ar: '1. الأطراف', fr: '1. Parties', es: 'Partes' });
  paragraph(doc, {
    ar: 'من جهة، المشغل (المشار إليه فيما يلي بـ «المشغل»):',
    fr: "D'une part, l'employeur (ci-après « l'employeur ») :",
    es: 'De una parte, el empleador (en adelante, «el empleador»):',
  });
  field(doc, { ar: 'الاسم التجاري', fr: 'Raison sociale', es: 'Razón social' }, employer.name);
  field(doc, 'CIF', employer.id);
  field(doc, { ar: 'الإقليم', fr: 'Province', es: 'Provincia' }, employer.province);
  field(doc, { ar: 'الجماعة', fr: 'Commune', es: 'Municipio' }, employer.municipality || v(NOT_PROVIDED));
  doc.moveDown(0.4);
  paragraph(doc, {
    ar: f ? 'ومن جهة أخرى، العاملة (المشار إليها فيما يلي بـ «العاملة»):' : 'ومن جهة أخرى، العامل (المشار إليه فيما يلي بـ «العامل»):',
    fr: `D'autre part, ${w.worker.fr.toLowerCase()} (ci-après « ${w.worker.fr.toLowerCase()} ») :`,
    es: `De otra parte, ${w.worker.es.toLowerCase()} (en adelante, «${w.worker.es.toLowerCase()}»):`,
  });
  field(doc, { ar: 'الاسم الكامل', fr: 'Nom et prénom', es: 'Nombre y apellidos' }, name);
  field(doc, { ar: 'رقم البطاقة الوطنية', fr: 'CIN', es: 'CIN (DNI marroquí)' }, worker.nationalId);
  field(doc, { ar: 'تاريخ الازدياد', fr: 'Date de naissance', es: 'Fecha de nacimiento' }, formatDate(worker.birthDate));
  field(doc, { ar: 'رقم جواز السفر', fr: 'N° de passeport', es: 'N.º de pasaporte' }, worker.passportNumber || v(NOT_PROVIDED));
  field(doc, { ar: 'انتهاء صلاحية جواز السفر', fr: 'Expiration du passeport', es: 'Caducidad del pasaporte' }, worker.passportExpiry ? formatDate(worker.passportExpiry) : v(NOT_PROVIDED));
  field(doc, { ar: 'الإقليم', fr: 'Province', es: 'Provincia' }, worker.province);
  field(doc, { ar: 'الجماعة', fr: 'Commune', es: 'Comuna' }, worker.commune);

  heading(doc, { ar: '2. موضوع العقد ومدته', fr: '2. Objet et durée', es: 'Objeto y duración' });
  paragraph(doc, legalForm(data, start, end));
  field(doc, { ar: 'نوع العقد', fr: 'Forme du contrat', es: 'Modalidad del contrato' }, v(FORM_NAMES[data.campaign.framework ?? 'multi_year']));
  field(doc, { ar: 'المنصب', fr: 'Poste', es: 'Puesto' }, offer.post);
  field(doc, { ar: 'المهام', fr: 'Tâches', es: 'Tareas' }, offer.tasks);
  field(doc, { ar: 'مدة العقد', fr: 'Durée du contrat', es: 'Duración del contrato' }, v({ ar: `${offer.contractMonths} أشهر`, fr: `${offer.contractMonths} mois`, es: `${offer.contractMonths} ${offer.contractMonths === 1 ? 'mes' : 'meses'}` }));
  field(doc, { ar: 'تاريخ البدء', fr: 'Date de début', es: 'Fecha de inicio' }, start);
  field(doc, { ar: 'تاريخ الانتهاء', fr: 'Date de fin', es: 'Fecha de finalización' }, end);
  field(doc, { ar: 'فترة التجربة', fr: "Période d'essai", es: 'Periodo de prueba' }, v({ ar: `${offer.trialDays} يوما`, fr: `${offer.trialDays} jours`, es: `${offer.trialDays} días` }));

  heading(doc, { ar: '3. الأجر', fr: '3. Rémunération', es: 'Retribución' });
  field(doc, { ar: 'الأجر اليومي', fr: 'Salaire journalier', es: 'Salario diario' }, `${v({ ar: `${formatEurosArabic(offer.dailyWageEur)} عن كل يوم عمل`, fr: `${wage} par jour travaillé`, es: `${wage} por día trabajado` })} (${rawEuros(offer.dailyWageEur)})`);
  field(doc, { ar: 'الساعات الإضافية مؤدى عنها', fr: 'Heures supplémentaires payées', es: 'Horas extraordinarias retribuidas' }, v(yesNo(offer.overtimePaid)));
  paragraph(doc, {
    ar: 'يستحق الأجر عن كل يوم عمل فعلي. ولا يمكن أن يقل عن الحد الأدنى المنصوص عليه في الاتفاقية الجماعية للقطاع الفلاحي بالإقليم، التي تطبق في كل ما لم يرد فيه نص هنا.',
    fr: "Le salaire est dû pour chaque jour effectivement travaillé. Il ne peut être inférieur au minimum prévu par la convention collective agricole de la province, qui s'applique pour tout ce qui n'est pas prévu ici.",
    es: 'El salario se devenga por cada día efectivamente trabajado. No podrá ser inferior al mínimo previsto en el convenio colectivo del campo de la provincia, que se aplica en todo lo no previsto aquí.',
  });

  heading(doc, { ar: '4. مدة العمل', fr: '4. Temps de travail', es: 'Jornada' });
  field(doc, { ar: 'ساعات العمل في اليوم', fr: 'Heures par jour', es: 'Horas al día' }, v({ ar: `${hours} ساعات`, fr: `${hours} heures`, es: `${hours} horas` }));
  field(doc, { ar: 'الاستراحة', fr: 'Pause', es: 'Descanso' }, v({ ar: `${offer.breakMinutes} دقيقة`, fr: `${offer.breakMinutes} minutes`, es: `${offer.breakMinutes} minutos` }));
  field(doc, { ar: 'أيام الراحة في الأسبوع', fr: 'Jours de repos par semaine', es: 'Días de descanso semanal' }, String(offer.daysOffPerWeek));

  heading(doc, { ar: '5. السكن والنقل والصحة', fr: '5. Logement, transport et santé', es: 'Alojamiento, transporte y salud' });
  field(doc, { ar: 'السكن على نفقة المشغل', fr: "Logement à la charge de l'employeur", es: 'Alojamiento a cargo del empleador' }, v(yesNo(offer.housingProvided)));
  field(doc, { ar: `النقل من طنجة إلى ${employer.province} على نفقة المشغل`, fr: `Transport ${transportRoute} à la charge de l'employeur`, es: `Transporte ${transportRoute} a cargo del empleador` }, v(yesNo(offer.transportPaid)));
  field(doc, { ar: 'التغطية الصحية', fr: 'Couverture médicale', es: 'Cobertura sanitaria' }, v(yesNo(offer.medicalCover)));
  paragraph(doc, {
    ar: `يسجل المشغل ${f ? 'العاملة' : 'العامل'} في الضمان الاجتماعي الإسباني ابتداء من أول يوم عمل. ${offer.housingProvided ? 'ويجب أن يكون السكن المقدم لائقا ومطابقا للقوانين الجاري بها العمل.' : ''}`.trim(),
    fr: `L'employeur affilie ${w.worker.fr.toLowerCase()} à la Sécurité sociale espagnole dès le premier jour de travail. ${offer.housingProvided ? 'Le logement fourni doit être digne et conforme à la réglementation en vigueur.' : ''}`.trim(),
    es: `El empleador da de alta a ${w.worker.es.toLowerCase()} en la Seguridad Social española desde el primer día de trabajo. ${offer.housingProvided ? 'El alojamiento facilitado deberá ser digno y conforme a la normativa vigente.' : ''}`.trim(),
  });

  heading(doc, { ar: '6. العودة إلى المغرب', fr: '6. Retour au Maroc', es: 'Retorno a Marruecos' });
  paragraph(doc, {
    ar: f
      ? `تلتزم العاملة بالعودة إلى المغرب عند نهاية العقد، في ${end}، وبتقديم ما يثبت عودتها، وفقا لالتزام العودة الموقع بشكل منفصل. واحترام هذا الالتزام شرط لإمكانية تشغيلها في الموسم المقبل.`
      : `يلتزم العامل بالعودة إلى المغرب عند نهاية العقد، في ${end}، وبتقديم ما يثبت عودته، وفقا لالتزام العودة الموقع بشكل منفصل. واحترام هذا الالتزام شرط لإمكانية تشغيله في الموسم المقبل.`,
    fr: `${w.worker.fr} s'engage à retourner au Maroc à la fin du contrat, le ${end}, et à présenter la preuve de son retour, selon l'engagement de retour signé séparément. Le respect de cet engagement conditionne la possibilité d'être recruté${w.eFr} lors de la campagne suivante.`,
    es: `${w.worker.es} se compromete a regresar a Marruecos al término del contrato, el ${end}, y a presentar la prueba de su retorno, según el compromiso de retorno firmado por separado. El cumplimiento de este compromiso condiciona la posibilidad de ser contratad${w.aEs} en la campaña siguiente.`,
  });

  heading(doc, { ar: '7. القانون المطبق', fr: '7. Droit applicable', es: 'Legislación aplicable' });
  paragraph(doc, {
    ar: `يخضع هذا العقد لتشريع الشغل الإسباني. ويختص القضاء الاجتماعي بإقليم ${employer.province} بالنظر في كل نزاع. حرر في نظيرين، بالعربية والإسبانية، وتتسلم كل جهة نظيرا.`,
    fr: `Le présent contrat est régi par la législation espagnole du travail. Tout litige relève de la juridiction sociale de la province de ${employer.province}. Fait en deux exemplaires, ${lang === 'es' ? 'en espagnol' : `en ${languageName.fr} et en espagnol`} ; chaque partie en reçoit un.`,
    es: `El presente contrato se rige por la legislación laboral española. Cualquier litigio corresponde a la jurisdicción social de la provincia de ${employer.province}. Hecho por duplicado, ${lang === 'es' ? 'en español' : `en ${languageName.es} y en español`}; cada parte recibe un ejemplar.`,
  });

  // The parties sign in different places (Spain / ANAPEC agency), so the place is left blank.
  signatures(
    doc,
    { ar: `حرر في ____________________ بتاريخ ${formatDate(data.issuedOn)}`, fr: `Fait à ____________________, le ${formatDate(data.issuedOn)}`, es: `En ____________________, a ${formatDate(data.issuedOn)}` },
    [
      { role: { ar: 'المشغل', fr: "L'employeur", es: 'El empleador' }, name: employer.name },
      { role: w.worker, name },
    ],
  );
}
