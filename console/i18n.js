// @ts-check
// The console's words, by language: French first; Arabic reads right to left (the page's dir follows the language).
// A label missing in a language falls back to French.

/** @type {Record<string, Record<string, string>>} */
const MESSAGES = {
  fr: {
    appName: 'GECCO Flow',
    skip: 'Aller au contenu',
    signIn: 'Se connecter',
    signInLead: 'Connectez-vous avec votre compte ANAPEC (ou partenaire) pour ouvrir la console.',
    signOut: 'Se déconnecter',
    signingIn: 'Connexion en cours…',
    signInFailed: 'La connexion a échoué : {reason}',
    nav: 'Navigation principale',
    campaigns: 'Campagnes',
    files: 'Fichiers',
    workers: 'Travailleurs',
    visas: 'Semaines de visas',
    report: 'Rapport de saison',
    language: 'Langue',
    loading: 'Chargement…',
    error: 'Erreur : {reason}',
    refreshed: 'Mis à jour à {time}',
    campaign: 'Campagne',
    season: 'Saison',
    stage: 'Étape',
    name: 'Nom',
    sector: 'Secteur',
    destination: 'Destination',
    noCampaigns: 'Aucune campagne.',
    dashboard: 'Tableau de bord',
    funnel: 'Entonnoir des étapes',
    funnelCaption: 'Travailleurs par étape du cycle',
    outcomes: 'Issues',
    quota: 'Postes par employeur et par offre',
    employer: 'Employeur',
    offer: 'Offre',
    posts: 'Postes',
    filled: 'Pourvus',
    provinces: 'Par province et par sexe',
    province: 'Province',
    cycles: 'Cycles',
    women: 'Femmes',
    men: 'Hommes',
    selected: 'Sélectionnés',
    embarked: 'Embarqués',
    returned: 'Rentrés',
    nonReturn: 'Non-retours',
    noShow: 'Absents',
    reserve: 'Liste de réserve',
    onList: 'Sur la liste',
    called: 'Appelés',
    refused: 'Refusés',
    visaWeeks: 'Semaines de visas',
    batch: 'Lot',
    status: 'État',
    members: 'Dossiers',
    issued: 'Délivrés',
    sailings: 'Traversées',
    departure: 'Départ',
    seats: 'Places',
    passengers: 'Passagers',
    convoked: 'Convoqués',
    none: 'Aucun.',
    count: 'Nombre',
    uploadTitle: 'Charger un fichier',
    fileKind: 'Type de fichier',
    kind_candidates: 'Liste de candidats',
    kind_selection: 'Sélection des employeurs',
    kind_authorisations: 'Autorisations de travail',
    kind_predeparture: 'Séances de pré-départ',
    kind_returns: 'Retours',
    kind_trial_periods: "Périodes d'essai",
    dropHere: 'Déposez un fichier CSV ici, ou choisissez-le :',
    chooseFile: 'Fichier CSV',
    send: 'Envoyer',
    sending: 'Envoi…',
    fileResult: 'Résultat du fichier',
    duplicate: 'Ce fichier a déjà été chargé : rien n’a changé.',
    rowsTotal: 'Lignes',
    rowsAccepted: 'Acceptées',
    rowsRejected: 'Refusées',
    refusedRows: 'Lignes refusées',
    line: 'Ligne',
    field: 'Champ',
    reason: 'Motif',
    downloadErrors: 'Télécharger les lignes refusées (CSV)',
    progress: 'Application en cours',
    progressText: '{applied} appliquées, {refused} refusées, {pending} en attente sur {total} ({status})',
    search: 'Rechercher',
    searchLabel: 'CIN ou nom',
    noResults: 'Aucun travailleur trouvé.',
    cin: 'CIN',
    worker: 'Travailleur',
    timeline: 'Parcours',
    deadline: 'Échéance',
    waitingFor: 'En attente de',
    documents: 'Documents',
    open: 'Ouvrir',
    history: 'Historique des saisons',
    monthsWorked: 'Mois travaillés',
    blocked: 'Bloqué jusqu’au {date} : {reason}',
    seasonOf: 'Saison {season}',
    cases: 'Signalements en saison',
    caseKind: 'Objet',
    caseDetails: 'Signalement',
    reportedBy: 'Signalé par',
    resolution: 'Suite donnée',
    outcome: 'Issue',
    contract: 'Contrat',
    when: 'Date',
    step: 'Étape',
    actor: 'Par',
    reportTitle: 'Rapport de la saison {season}',
    chart: 'Graphique par province',
    downloadPdf: 'Télécharger le PDF',
    downloadCsv: 'Télécharger le CSV',
    exportCsv: 'Exporter la liste (CSV)',
    exportCycles: 'Exporter les cycles (CSV)',
    placed: 'Placés',
    returnedLate: 'En retard',
    rehired: 'Ré-embauchés',
    returnRate: 'Taux de retour',
    blockedWorkers: 'Travailleurs bloqués après un non-retour : {n}',
    notAllowed: 'Votre rôle ne donne pas accès à cette page.',
    manifest: 'Manifeste (PDF)',
    decision: 'Décision',
    chooseCampaign: 'Campagne',
    show: 'Voir',
    historyChart: 'Travailleurs saisonniers placés, 2008–2023 (source : ANAPEC)',
    issue: 'Champ « {field} » : {reason}',
    refusal_400: 'Demande mal formée',
    refusal_403: 'Action non permise pour votre rôle',
    refusal_404: 'Introuvable',
    refusal_409: 'Refusé dans l’état actuel',
    refusal_422: 'Données refusées',
    refusal_503: 'Service momentanément indisponible, réessayez',
    consulateWeeks: 'Semaines du consulat',
    week: 'Semaine du',
    capacity: 'Capacité',
    lodgedFiles: 'Déposés',
    assembledFiles: 'Assemblés',
    singleFiles: 'Isolés',
    placesLeft: 'Restant',
    assembleTitle: 'Assembler un lot',
    weekOf: 'Un jour de la semaine consulaire',
    capacityOptional: 'Capacité (facultatif)',
    assemble: 'Assembler le lot',
    assembledText: 'Lot {batch} assemblé pour la semaine du {week} : {members} dossiers.',
    remainingEligible: 'Dossiers éligibles restants',
    weekCapacityLeft: 'Places restantes cette semaine',
    refusedPassports: 'Dossiers écartés (passeport)',
    noneRefused: 'aucun.',
    cycle: 'Dossier',
    nextWeeks: 'Semaines suivantes proposées',
    lodge: 'Déposer',
    closeBoarding: 'Clôturer l’embarquement',
    closeBoardingConfirm: 'Les passagers non embarqués seront déclarés absents. Confirmer ?',
    confirm: 'Confirmer',
    cancel: 'Annuler',
  },
  ar: {
    appName: 'جيكو فلو',
    signIn: 'تسجيل الدخول',
    signOut: 'تسجيل الخروج',
    campaigns: 'الحملات',
    files: 'الملفات',
    workers: 'العمال',
    visas: 'أسابيع التأشيرات',
    sailings: 'الرحلات البحرية',
    report: 'تقرير الموسم',
    language: 'اللغة',
    loading: 'جارٍ التحميل…',
    assembleTitle: 'تجميع دفعة',
    assemble: 'تجميع الدفعة',
    lodge: 'إيداع',
    closeBoarding: 'إغلاق الصعود',
    confirm: 'تأكيد',
    cancel: 'إلغاء',
    consulateWeeks: 'أسابيع القنصلية',
  },
};

export const LANGUAGES = /** @type {const} */ ({ fr: 'Français', ar: 'العربية' });
const RTL = new Set(['ar']);

let lang = localStorage.getItem('gecco-console-lang') ?? 'fr';
if (!(lang in MESSAGES)) lang = 'fr';

export function currentLang() {
  return lang;
}

/** Sets the language and the page's direction; the caller re-renders. */
export function setLang(/** @type {string} */ next) {
  lang = next in MESSAGES ? next : 'fr';
  localStorage.setItem('gecco-console-lang', lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.has(lang) ? 'rtl' : 'ltr';
}

/**
 * A label in the current language, with {name} placeholders filled in.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const text = MESSAGES[lang]?.[key] ?? MESSAGES.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_m, k) => String(vars[k] ?? ''));
}

const numbers = () => new Intl.NumberFormat(lang === 'ar' ? 'ar-MA' : 'fr-FR');
export const num = (/** @type {number} */ n) => numbers().format(n);
export const date = (/** @type {string | null | undefined} */ iso) => (iso ? new Date(iso).toLocaleDateString(lang === 'ar' ? 'ar-MA' : 'fr-FR') : '—');
export const dateTime = (/** @type {string | null | undefined} */ iso) => (iso ? new Date(iso).toLocaleString(lang === 'ar' ? 'ar-MA' : 'fr-FR') : '—');
export const time = (/** @type {Date} */ d) => d.toLocaleTimeString(lang === 'ar' ? 'ar-MA' : 'fr-FR');

/** Stage, outcome, status and document names as the API gives them, shown in words. */
const STAGES = {
  fr: {
    draft: 'brouillon', registration: 'inscription', preselection: 'présélection', selection: 'sélection', authorisation: 'autorisation',
    visa_processing: 'visas', departures: 'départs', in_season: 'en saison', returns: 'retours', closed: 'clôturé',
    preselected: 'présélectionné', selected: 'sélectionné', authorised: 'autorisé', visa_incomplete: 'visa incomplet',
    visa_submitted: 'visa déposé', visa_issued: 'visa délivré', ready_to_depart: 'prêt au départ', convoked: 'convoqué',
    awaiting_return: 'retour attendu',
    // outcomes
    returned: 'rentré', returned_late: 'rentré en retard', not_selected: 'non retenu', withdrawn: 'désisté',
    selection_expired: 'sélection expirée', authorisation_expired: 'autorisation expirée', visa_file_expired: 'dossier de visa expiré',
    visa_refused: 'visa refusé', consular_silence: 'sans réponse du consulat', predeparture_expired: 'pré-départ expiré',
    convocation_expired: 'convocation expirée', no_show: 'absent à l’embarquement', non_return: 'non-retour',
    // visa batches and sailings
    assembled: 'constitué', lodged: 'déposé', awaiting_decisions: 'décisions attendues', decided: 'décidé', escalated: 'signalé',
    awaiting_lodgement: 'dépôt attendu', lodgement_overdue: 'dépôt en retard', not_lodged: 'non déposé', decisions_overdue: 'décisions en retard',
    // in-season cases
    open_case: 'ouvert', resolved: 'résolu',
    employer_change: 'changement d’employeur', sickness: 'maladie', accident: 'accident', housing_problem: 'problème de logement',
    wage_complaint: 'plainte salariale', rest_day_complaint: 'pas de repos hebdomadaire', early_return: 'retour anticipé',
    // documents
    employment_contract: 'contrat de travail', return_commitment: 'engagement de retour', predeparture_sheet: 'fiche de pré-départ', convocation: 'convocation',
    planned: 'prévue', convoked_sailing: 'convoquée', departed: 'partie', embarked: 'embarqué', issued: 'délivré', refused: 'refusé', incomplete: 'incomplet',
  },
};
/** A stage, outcome or status in words (the API's name when the console has none). */
export const stageName = (/** @type {string | null | undefined} */ s) => (s ? /** @type {Record<string, string>} */ (STAGES.fr)[s] ?? s.replace(/_/g, ' ') : '—');
