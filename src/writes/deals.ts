import type { RequestContext } from '../graphql/context.js';
import type { UpdateDealStageInput } from '../generated/resolvers-types.js';
import { idOfType } from '../relay/global-ids.js';
import type { WriteKeys } from './idempotency.js';
import { refusable, userError, type Outcome } from './user-errors.js';

export interface DealRecord {
  dealId: string;
}

export async function updateDealStage(
  ctx: RequestContext,
  input: UpdateDealStageInput,
  keys: WriteKeys,
): Promise<Outcome<DealRecord>> {
  const dealId = idOfType(input.id, 'Deal', 'input.id');
  const stage = input.stage.trim();
  if (stage === '') return { userErrors: [userError('INVALID', 'A stage is required.', 'stage')] };
  const updated = await refusable(() =>
    ctx.services.providers.crm.updateDealStage(dealId, stage, { idempotencyKey: keys.for('crm-deal') }),
  );
  if ('userErrors' in updated) return updated;
  ctx.loaders.deal.clear(dealId).prime(dealId, updated.value);
  return { record: { dealId } };
}
