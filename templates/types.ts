// Data printed into the documents. Plain values only: the templates do no I/O.
export interface WorkerIdentity {
  firstName: string;
  lastName: string;
  nationalId: string;
  birthDate: string;
  sex: 'F' | 'M';
  province: string;
  commune: string;
  passportNumber?: string | null;
  passportExpiry?: string | null;
  /** the language the worker reads (Arabic when not said: the default for candidates loaded by ANAPEC) */
  language?: 'ar' | 'fr' | 'es' | null;
}

export function workerLanguage(worker: Pick<WorkerIdentity, 'language'>): 'ar' | 'fr' | 'es' {
  return worker.language ?? 'ar';
}

export interface EmployerParty {
  id: string;
  name: string;
  province: string;
  municipality?: string | null;
}

export interface OfferTerms {
  id: string;
  post: string;
  tasks: string;
  contractMonths: number;
  contractStart: string; // yyyy-mm-dd
  contractEnd: string; // yyyy-mm-dd
  trialDays: number;
  dailyWageEur: string; // decimal as text, e.g. "41.00"
  hoursPerDay: string;
  breakMinutes: number;
  daysOffPerWeek: number;
  overtimePaid: boolean;
  housingProvided: boolean;
  transportPaid: boolean;
  medicalCover: boolean;
}

export interface CampaignRef {
  id: string;
  name: string;
  season: number;
  /** the contracts' legal form (campaigns.framework); unset: multi_year */
  framework?: 'multi_year' | 'fixed_term';
}

export interface ContractDocumentData {
  cycleId: string;
  issuedOn: string; // yyyy-mm-dd
  worker: WorkerIdentity;
  employer: EmployerParty;
  offer: OfferTerms;
  campaign: CampaignRef;
  authorisationNumber?: string | null;
  visaNumber?: string | null;
}

export interface ConvocationDocumentData {
  cycleId: string;
  issuedOn: string;
  worker: WorkerIdentity;
  employer: EmployerParty;
  campaign: CampaignRef;
  departureAt: string; // ISO date-time
  port: string;
  sailing?: string | null;
}

export type DocumentKind = 'employment_contract' | 'return_commitment' | 'convocation' | 'predeparture_sheet';
