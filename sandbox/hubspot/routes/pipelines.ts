import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import type { DealStage } from '../../data/dataset.js';
import { HubSpotValidationError, orValidationError } from '../errors.js';
import { objectTypeOf, okJson } from './common.js';

/**
 * HubSpot's default deal pipeline ("Sales Pipeline", id `default`), the one the data set's stages
 * come from: each stage's id is what a deal's `dealstage` holds, its label what people see
 * (FACTS §7.4). Default-pipeline stages carry `createdAt` at the epoch.
 */
export const DEFAULT_DEAL_STAGES: ReadonlyArray<{ id: DealStage; label: string; probability: string }> = [
  { id: 'appointmentscheduled', label: 'Appointment Scheduled', probability: '0.2' },
  { id: 'qualifiedtobuy', label: 'Qualified To Buy', probability: '0.4' },
  { id: 'presentationscheduled', label: 'Presentation Scheduled', probability: '0.6' },
  { id: 'decisionmakerboughtin', label: 'Decision Maker Bought-In', probability: '0.8' },
  { id: 'contractsent', label: 'Contract Sent', probability: '0.9' },
  { id: 'closedwon', label: 'Closed Won', probability: '1.0' },
  { id: 'closedlost', label: 'Closed Lost', probability: '0.0' },
];

const EPOCH = new Date(0).toISOString();

function defaultPipeline() {
  return {
    id: 'default',
    label: 'Sales Pipeline',
    displayOrder: 0,
    archived: false,
    createdAt: EPOCH,
    updatedAt: EPOCH,
    stages: DEFAULT_DEAL_STAGES.map((stage, displayOrder) => ({
      id: stage.id,
      label: stage.label,
      displayOrder,
      archived: false,
      createdAt: EPOCH,
      updatedAt: EPOCH,
      metadata: { isClosed: String(stage.id.startsWith('closed')), probability: stage.probability },
      writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    })),
  };
}

const Params = z.object({ objectType: z.string().describe('deals (the twin keeps no other pipelines)') });

/** `GET /crm/v3/pipelines/{objectType}`: every pipeline with its stages, unpaged. */
export function pipelineRoutes(): RouteDef[] {
  const list = route({
    method: 'GET',
    path: '/crm/v3/pipelines/{objectType}',
    operationId: 'getPipelines',
    summary: 'Every pipeline of an object type, with its stages (unpaged)',
    tags: ['Pipelines'],
    params: Params,
    responses: { 200: 'CollectionResponsePipelineNoPaging', 400: 'VALIDATION_ERROR' },
    handle: ({ params }) =>
      orValidationError(() => {
        if (objectTypeOf(params.objectType) !== 'deals') {
          throw new HubSpotValidationError(`Pipelines are not supported for ${params.objectType}.`);
        }
        return okJson({ results: [defaultPipeline()] });
      }),
  });
  return [list];
}
