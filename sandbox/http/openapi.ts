import { z } from 'zod';
import type { ProviderProtocol } from './provider.js';
import type { RouteDef } from './route.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(type: z.ZodType): JsonSchema {
  const schema = z.toJSONSchema(type, {
    io: 'input',
    unrepresentable: 'any',
    target: 'openapi-3.0',
  }) as JsonSchema;
  delete schema.$schema;
  return schema;
}

function parametersOf(type: z.ZodType | undefined, location: 'path' | 'query'): unknown[] {
  if (!type) return [];
  const schema = schemaOf(type);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    const isObject = rest.type === 'object' || rest.anyOf !== undefined;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
      // Stripe's `created[gte]=` and `expand[]=` are qs-style nested keys.
      ...(location === 'query' && isObject ? { style: 'deepObject', explode: true } : {}),
    };
  });
}

function operationOf(route: RouteDef, securityNames: string[]): Record<string, unknown> {
  const contentType =
    route.bodyEncoding === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.tags ? { tags: route.tags } : {}),
    parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
    ...(route.body
      ? { requestBody: { required: true, content: { [contentType]: { schema: schemaOf(route.body) } } } }
      : {}),
    responses: Object.fromEntries(
      Object.entries(route.responses).map(([status, description]) => [
        status,
        { description, content: { 'application/json': { schema: { type: 'object' } } } },
      ]),
    ),
    // An empty list is OpenAPI's "no authentication" for this operation (e.g. PostHog capture).
    security: route.public ? [] : securityNames.map((name) => ({ [name]: [] })),
  };
}

/** The OpenAPI 3 document of what a simulator serves, built from the same route list the server uses. */
export function buildOpenApiDocument(protocol: ProviderProtocol): Record<string, unknown> {
  const securityNames = Object.keys(protocol.securitySchemes);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of protocol.routes) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = operationOf(route, securityNames);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: `Concord sandbox: ${protocol.title}`,
      version: '1.0.0',
      description: `A simulation of the ${protocol.title} endpoints Concord uses, with deterministic seeded data.`,
    },
    paths,
    components: { securitySchemes: protocol.securitySchemes },
  };
}
