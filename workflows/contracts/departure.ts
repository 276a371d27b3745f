// Contract of the departure context: one workflow per sailing (Tanger Ville -> Tarifa). It convokes its
// passengers through a bulk operation, follows the embarkation files loaded for it, and when the port closes
// boarding (or at the latest at departure time plus the embarkation grace) records the no-shows and closes the
// sailing. Imported by the workflow, the activities and the API, so it must stay free of I/O.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

export { COORDINATION_TASK_QUEUE as DEPARTURE_TASK_QUEUE } from './bulk';

/** Business ID of a departure (= its workflow ID), e.g. departure-huelva-2027-3. */
export function departureId(campaignId: string, seq: number): string {
  return `departure-${campaignId}-${seq}`;
}

export const DEFAULT_PORT = 'Tanger Ville';
export const DEFAULT_DESTINATION = 'Tarifa';
export const DEFAULT_EMBARKATION_GRACE: Duration = '1 day';

export type DepartureStatus = 'planned' | 'convoked' | 'departed';
export type PassengerStatus = 'convoked' | 'embarked' | 'no_show';

export interface DepartureInput {
  departureId: string;
  campaignId: string;
  /** ISO date-time of the sailing. */
  departureAt: string;
  port: string;
  destination: string;
  /** After the departure time, how long embarkations are still awaited before the rest count as no-shows. */
  embarkationGrace: Duration;
  /** Who planned the sailing: recorded as the author of the convocations. */
  createdBy: string;
  /** While an embarkation file is still being applied, how often its progress is checked (tests shorten it). */
  progressPollInterval?: Duration;
}

export interface DepartureCounts {
  seats: number;
  /** passengers on the list (each one is convoked through the convocation bulk operation) */
  convoked: number;
  embarked: number;
  noShow: number;
}

export interface DepartureState {
  departureId: string;
  campaignId: string;
  departureAt: string;
  port: string;
  destination: string;
  status: DepartureStatus;
  /** departureAt + embarkationGrace: when the passengers not embarked become no-shows */
  closesAt: string;
  convocationOperationId?: string;
  /** the embarkation bulk operations signalled to this departure, in arrival order */
  embarkationOperationIds: string[];
  counts: DepartureCounts;
  /** passengers whose convocation the worker cycle refused (closed or withdrawn cycles): taken off the list */
  convocationsRefused: number;
  /** set when the port closed boarding before departure + grace */
  boardingClosed?: { by: string; at: string };
  /** the bulk operation telling each passenger not aboard that they are a no-show (after boarding closed) */
  noShowOperationId?: string;
}

export interface CloseBoarding {
  /** the port agent closing boarding */
  closedBy: string;
}

export interface EmbarkationsRecorded {
  /** the bulk operation applying one embarkation file (GET /bulk-operations/:id) */
  operationId: string;
}

/** One signal per embarkation file loaded for the departure, never one per worker. */
export const embarkationsRecordedSignal = defineSignal<[EmbarkationsRecorded]>('embarkationsRecorded');

export const departureStateQuery = defineQuery<DepartureState>('departureState');

/**
 * The port closes boarding: embarkation files already loaded are applied first, then every passenger not aboard is a
 * no-show at once (their posts go to the reserve list now, not after the grace). Refused before the convocations.
 */
export const closeBoardingUpdate = defineUpdate<DepartureState, [CloseBoarding]>('closeBoarding');
