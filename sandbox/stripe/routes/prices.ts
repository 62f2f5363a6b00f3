import { route, type RouteDef } from '../../http/route.js';
import { idParams, retrieve, retrieveQuery, type Resource } from '../handlers.js';
import { renderPrice } from '../objects.js';
import type { StripeRuntime } from '../runtime.js';
import type { PriceState } from '../store.js';

export function priceRoutes(rt: StripeRuntime): RouteDef[] {
  const resource: Resource<PriceState> = {
    objectType: 'price',
    collection: rt.store.prices,
    render: renderPrice,
    expanders: rt.expanders.none,
  };
  return [
    route({
      method: 'GET',
      path: '/v1/prices/{id}',
      operationId: 'retrievePrice',
      summary: 'Retrieve a price',
      tags: ['Prices'],
      params: idParams,
      query: retrieveQuery,
      responses: { 200: 'The price', 404: 'No such price' },
      handle: ({ params, query }) => retrieve(resource, params.id, query.expand),
    }),
  ];
}
