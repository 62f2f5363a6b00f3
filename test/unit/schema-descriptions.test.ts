import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  printSchema,
  type GraphQLSchema,
} from 'graphql';

import { loadTypeDefs } from '../../src/graphql/type-defs.js';
import { resolvers } from '../../src/resolvers/index.js';

/**
 * The schema as the server builds it: the SDL with the resolvers' scalars, whose own description and
 * `specifiedByURL` replace the SDL's (graphql-tools copies them over), so both must carry them.
 */
function loadSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers });
}

const described = (description: string | null | undefined): boolean => (description ?? '').trim().length > 0;

/**
 * Every schema coordinate (type, field, argument, input field, enum value, directive and its
 * arguments) that GraphiQL would show without a description. Built-in types and directives are
 * graphql-js's own and documented there.
 */
function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    if (!described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args)
          if (!described(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues())
        if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    if (!described(directive.description)) missing.push(`@${directive.name}`);
    for (const arg of directive.args)
      if (!described(arg.description)) missing.push(`@${directive.name}(${arg.name}:)`);
  }
  return missing;
}

describe('schema descriptions', () => {
  const schema = loadSchema();

  it('describes every type, field, argument, input field, enum value and directive', () => {
    expect(undocumented(schema)).toEqual([]);
  });

  it('finds an undocumented member (the check can fail)', () => {
    const bare = buildSchema(`
      "A query."
      type Query {
        "Documented."
        a(x: Int): E
        b: Int
      }
      "An enum."
      enum E {
        "Documented."
        ONE
        TWO
      }
    `);
    expect(undocumented(bare)).toEqual(['Query.a(x:)', 'Query.b', 'E.TWO']);
  });

  it('serves each scalar with the description its SDL gives', () => {
    const sdl = buildSchema(loadTypeDefs().join('\n'));
    for (const name of ['DateTime', 'Currency', 'JSON']) {
      expect(schema.getType(name)?.description).toBe(sdl.getType(name)?.description);
    }
  });

  it('points DateTime at its specification, in the SDL and in the served schema', () => {
    const url = 'https://scalars.graphql.org/andimarek/date-time';
    expect(schema.getType('DateTime')).toHaveProperty('specifiedByURL', url);
    expect(buildSchema(loadTypeDefs().join('\n')).getType('DateTime')).toHaveProperty('specifiedByURL', url);
    expect(printSchema(schema)).toContain(`scalar DateTime @specifiedBy(url: "${url}")`);
  });

  it('takes as Currency an upper-case ISO 4217 code, and sends nothing else', () => {
    const type = schema.getType('Currency');
    if (!isScalarType(type)) throw new Error('Currency missing');
    expect(type.parseValue('USD')).toBe('USD');
    expect(type.parseValue('JPY')).toBe('JPY');
    for (const bad of ['usd', 'US', 'USDT', 'XYZ', 'QQQ', 840, null]) {
      expect(() => type.parseValue(bad)).toThrow('ISO 4217');
    }
    expect(type.serialize('EUR')).toBe('EUR');
    for (const bad of ['eur', '€', 978]) expect(() => type.serialize(bad)).toThrow('ISO 4217');
  });

  it('takes as DateTime what its specification allows, and nothing else', () => {
    const type = schema.getType('DateTime');
    if (!isScalarType(type)) throw new Error('DateTime missing');
    expect(type.parseValue('2026-11-24T09:30:00+02:00')).toEqual(new Date('2026-11-24T07:30:00.000Z'));
    expect(type.parseValue('2026-11-24T09:30:00.5Z')).toEqual(new Date('2026-11-24T09:30:00.500Z'));
    for (const bad of [
      '2026-11-24',
      '2026-11-24T09:30:00',
      '2026-11-24T09:30Z',
      'yesterday',
      1764000000000,
    ]) {
      expect(() => type.parseValue(bad)).toThrow('RFC 3339');
    }
  });
});
