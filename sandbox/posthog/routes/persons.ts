import { z } from 'zod';
import type { SimulatorContext } from '../../context.js';
import type { ContactRecord } from '../../data/dataset.js';
import { json, route, type RouteDef } from '../../http/route.js';
import { notFound } from '../errors.js';
import { isoZ } from '../hogql/datetime.js';
import type { PostHogModel } from '../model.js';
import { parsePropertyFilter } from '../property-filter.js';
import { checkProject, intParam, linkTo, ProjectParams } from './common.js';

export const PERSONS_DEFAULT_LIMIT = 100;
export const PERSONS_MAX_LIMIT = 1_000;

const ListQuery = z.object({
  distinct_id: z.string().optional().describe('Only the person with this distinct id'),
  email: z.string().optional().describe('Only the person whose `email` property is exactly this'),
  search: z.string().optional().describe('Case-insensitive match on email or name, or an exact distinct id'),
  properties: z
    .string()
    .optional()
    .describe(
      'JSON array of {key, value, operator, type: person}, ANDed; other types and operators are refused',
    ),
  limit: intParam('Page size (1-1000, default 100)')
    .pipe(z.number().min(1).max(PERSONS_MAX_LIMIT))
    .optional(),
  offset: intParam('Rows to skip').pipe(z.number().min(0)).optional(),
});

const PersonParams = ProjectParams.extend({
  id: z.string().describe('The person id (integer) or uuid'),
});

/** Persons as PostHog lists them: newest first (created_at desc, then id desc). */
export function personsInListOrder(model: PostHogModel): number[] {
  const persons = model.dataset.persons;
  return persons
    .map((_, i) => i)
    .sort((a, b) => {
      const pa = persons[a];
      const pb = persons[b];
      return (pb?.createdAt ?? 0) - (pa?.createdAt ?? 0) || (pb?.id ?? 0) - (pa?.id ?? 0);
    });
}

export function personJson(model: PostHogModel, index: number): Record<string, unknown> {
  const person = model.dataset.persons[index];
  if (!person) throw new Error(`no person ${index}`);
  const contact = model.dataset.contacts[person.contact] as ContactRecord;
  const lastSeen = model.lastSeen(index);
  return {
    id: person.id,
    uuid: person.uuid,
    name: contact.email,
    distinct_ids: model.distinctIdsOf(index),
    properties: model.personPropertiesOf(index),
    is_identified: true,
    created_at: isoZ(person.createdAt),
    last_seen_at: lastSeen === null ? null : isoZ(lastSeen),
  };
}

export function personRoutes(ctx: SimulatorContext, model: PostHogModel): RouteDef[] {
  const order = personsInListOrder(model);
  const projectId = ctx.credentials.posthogProjectId;
  return [
    route({
      method: 'GET',
      path: '/api/projects/{project_id}/persons/',
      operationId: 'persons_list',
      summary: 'List persons (limit/offset pages with absolute next/previous URLs)',
      tags: ['persons'],
      params: ProjectParams,
      query: ListQuery,
      responses: { 200: 'A page of persons', 400: 'Bad parameter', 404: 'Unknown project' },
      handle: ({ params, query, headers, url }) => {
        const wrongProject = checkProject(params.project_id, projectId);
        if (wrongProject) return wrongProject;
        const limit = query.limit ?? PERSONS_DEFAULT_LIMIT;
        const offset = query.offset ?? 0;
        const needle = query.search?.toLowerCase();
        const filter = parsePropertyFilter(query.properties, ['person']);
        if (!filter.ok) return filter.reply;
        const matches = order.filter((i) => {
          if (filter.test && !filter.test({ person: (key) => model.personProperty(i, key) ?? undefined })) {
            return false;
          }
          if (query.distinct_id !== undefined && !model.distinctIdsOf(i).includes(query.distinct_id))
            return false;
          if (query.email !== undefined && model.personProperty(i, 'email') !== query.email) return false;
          if (needle !== undefined) {
            const email = model.personProperty(i, 'email')?.toLowerCase() ?? '';
            const name = model.personProperty(i, 'name')?.toLowerCase() ?? '';
            if (!email.includes(needle) && !name.includes(needle) && model.distinctIds[i] !== query.search)
              return false;
          }
          return true;
        });
        const page = matches.slice(offset, offset + limit);
        const next =
          offset + limit < matches.length
            ? linkTo(url, headers, { limit: String(limit), offset: String(offset + limit) })
            : null;
        const previous =
          offset > 0
            ? linkTo(url, headers, { limit: String(limit), offset: String(Math.max(0, offset - limit)) })
            : null;
        return json(200, {
          next,
          previous,
          count: matches.length,
          results: page.map((i) => personJson(model, i)),
        });
      },
    }),
    route({
      method: 'GET',
      path: '/api/projects/{project_id}/persons/{id}/',
      operationId: 'persons_retrieve',
      summary: 'Retrieve one person by id or uuid',
      tags: ['persons'],
      params: PersonParams,
      responses: { 200: 'The person', 404: 'No such person or project' },
      handle: ({ params }) => {
        const wrongProject = checkProject(params.project_id, projectId);
        if (wrongProject) return wrongProject;
        const index = /^\d+$/.test(params.id)
          ? model.dataset.persons.findIndex((p) => p.id === Number(params.id))
          : (model.personIndexOfUuid(params.id) ?? -1);
        return index < 0 ? notFound() : json(200, personJson(model, index));
      },
    }),
  ];
}
