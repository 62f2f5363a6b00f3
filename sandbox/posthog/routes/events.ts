import { z } from 'zod';
import type { SimulatorContext } from '../../context.js';
import { json, route, type RouteDef } from '../../http/route.js';
import { validationError } from '../errors.js';
import { isoOffset, parseDateTimeText } from '../hogql/datetime.js';
import type { PostHogModel } from '../model.js';
import { parsePropertyFilter, type PropertyPredicate } from '../property-filter.js';
import { checkProject, intParam, linkTo, ProjectParams } from './common.js';

export const EVENTS_DEFAULT_LIMIT = 100;
export const EVENTS_MAX_LIMIT = 1_000;
export const EVENTS_MAX_OFFSET = 50_000;
const DAY = 86_400_000;
/** Without `after` PostHog shows only the last day; here that day ends at the data set's anchor. */
export const EVENTS_DEFAULT_WINDOW_MS = DAY;
const MAX_RANGE_MS = 365 * DAY;

const isoInstant = (description: string) =>
  z
    .string()
    .refine((text) => parseDateTimeText(text) !== null, 'Enter a valid ISO-8601 date-time.')
    .transform((text) => parseDateTimeText(text) as number)
    .describe(description);

const EventsQuery = z.object({
  event: z.string().optional().describe('Only events with this name'),
  properties: z
    .string()
    .optional()
    .describe(
      'JSON array of {key, value, operator, type: event|person}, ANDed; other types and operators are refused',
    ),
  distinct_id: z.string().optional().describe("Only this person's events"),
  person_id: intParam('Only events of the person with this integer id').optional(),
  before: isoInstant('Only events strictly before this ISO time').optional(),
  after: isoInstant(
    'Only events strictly after this ISO time (default: one day before the newest data)',
  ).optional(),
  limit: intParam('Page size (1-1000, default 100)').pipe(z.number().min(1).max(EVENTS_MAX_LIMIT)).optional(),
  offset: intParam('Rows to skip (at most 50,000)')
    .pipe(
      z
        .number()
        .min(0)
        .max(EVENTS_MAX_OFFSET, 'Offsets above 50000 are not supported; page with `before` instead.'),
    )
    .optional(),
});

function eventJson(model: PostHogModel, row: number): Record<string, unknown> {
  return {
    id: model.eventUuid(row),
    distinct_id: model.eventDistinctId(row),
    properties: model.eventProperties(row),
    event: model.eventName(row),
    timestamp: isoOffset(model.eventTimestamp(row)),
    person: null,
    elements: [],
    elements_chain: '',
  };
}

/** First position in [lo, hi) whose time is > value. */
function after(lo: number, hi: number, at: (k: number) => number, value: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (at(mid) <= value) a = mid + 1;
    else b = mid;
  }
  return a;
}

export function eventRoutes(ctx: SimulatorContext, model: PostHogModel): RouteDef[] {
  const projectId = ctx.credentials.posthogProjectId;
  const { table } = model;
  return [
    route({
      method: 'GET',
      path: '/api/projects/{project_id}/events/',
      operationId: 'events_list',
      summary: 'List events, newest first (deprecated by PostHog in favour of the Query API)',
      tags: ['events'],
      params: ProjectParams,
      query: EventsQuery,
      responses: { 200: 'A page of events', 400: 'Bad parameter', 404: 'Unknown project' },
      handle: ({ params, query, headers, url }) => {
        const wrongProject = checkProject(params.project_id, projectId);
        if (wrongProject) return wrongProject;
        const filter = parsePropertyFilter(query.properties, ['event', 'person']);
        if (!filter.ok) return filter.reply;
        const keep = filter.test
          ? (row: number): boolean =>
              (filter.test as PropertyPredicate)({
                event: (key) => model.eventProperties(row)[key],
                person: (key) => {
                  const person = model.personIndexOf(model.eventDistinctId(row));
                  return person === undefined ? undefined : (model.personProperty(person, key) ?? undefined);
                },
              })
          : () => true;
        const limit = query.limit ?? EVENTS_DEFAULT_LIMIT;
        const offset = query.offset ?? 0;
        const newest = model.dataset.anchor;
        const since = query.after ?? newest - EVENTS_DEFAULT_WINDOW_MS;
        const until = query.before ?? Number.POSITIVE_INFINITY;
        if ((query.before ?? newest) - since > MAX_RANGE_MS) {
          return validationError('The range between before and after must be under one year.', 'after');
        }
        let person: number | undefined;
        if (query.distinct_id !== undefined) person = model.personIndexOf(query.distinct_id) ?? -1;
        let byId: number | undefined;
        if (query.person_id !== undefined) {
          byId = model.dataset.persons.findIndex((p) => p.id === query.person_id);
          person = person === undefined || person === byId ? byId : -1;
        }
        // Captured events in the window, oldest first; they merge into the newest-first walk below.
        const extra: number[] = [];
        model.extra.forEach((e, i) => {
          if (e.timestamp <= since || e.timestamp >= until) return;
          if (query.distinct_id !== undefined && e.distinctId !== query.distinct_id) return;
          if (byId !== undefined && (byId < 0 || e.person !== byId)) return;
          if (query.event !== undefined && e.event !== query.event) return;
          if (!keep(table.count + i)) return;
          extra.push(table.count + i);
        });
        // Rows in time order, either the whole table or one person's slice of the per-person index.
        let lo = 0;
        let hi = 0;
        let at: (k: number) => number = (k) => table.timestamp[k] as number;
        let rowAt: (k: number) => number = (k) => k;
        if (person === undefined) {
          hi = table.count;
        } else if (person >= 0) {
          lo = table.personStart[person] as number;
          hi = table.personStart[person + 1] as number;
          at = (k) => table.timestamp[table.byPerson[k] as number] as number;
          rowAt = (k) => table.byPerson[k] as number;
        }
        const first = after(lo, hi, at, since);
        const end = Number.isFinite(until) ? after(first, hi, at, until - 1) : hi;
        const nameIndex = query.event === undefined ? -1 : table.names.indexOf(query.event);
        const rows: number[] = [];
        let skipped = 0;
        const take = (row: number): void => {
          if (skipped < offset) skipped++;
          else rows.push(row);
        };
        let x = extra.length - 1;
        for (let k = end - 1; k >= first && rows.length <= limit; k--) {
          const row = rowAt(k);
          // Newest first: a captured event at the same time as a seeded one sorts before it.
          while (x >= 0 && rows.length <= limit && model.eventTimestamp(extra[x] as number) >= at(k)) {
            take(extra[x--] as number);
          }
          if (rows.length > limit) break;
          if (query.event !== undefined && table.name[row] !== nameIndex) continue;
          if (!keep(row)) continue;
          take(row);
        }
        while (x >= 0 && rows.length <= limit) take(extra[x--] as number);
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        const next =
          rows.length > limit && last !== undefined
            ? linkTo(url, headers, { before: isoOffset(model.eventTimestamp(last)), offset: null })
            : null;
        return json(200, { next, results: page.map((row) => eventJson(model, row)) });
      },
    }),
  ];
}
