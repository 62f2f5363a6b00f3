import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type ParseOptions, type ValidationContext, type ValidationRule } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { costLimitPlugin } from './cost.js';

/** Relay nesting is deep by nature (connection → edges → node → …): 12 fits customer → payments → card. */
export const DEFAULT_MAX_DEPTH = 12;
/** The README dashboard (50 customers with deals, payments, activity) costs 5,550: room for four. */
export const DEFAULT_MAX_COST = 25_000;
/** Aliases multiply work without adding depth or cost per alias name; 15 is graphql-armor's default. */
export const DEFAULT_MAX_ALIASES = 15;
/** Directives (@include/@skip) are cheap but unbounded ones are a parser DoS. */
export const DEFAULT_MAX_DIRECTIVES = 50;
/** Tokens in a document; the introspection query GraphiQL sends is under 1,000. */
export const DEFAULT_MAX_TOKENS = 2_000;

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
}

export type LimitName = 'depth' | 'cost' | 'aliases' | 'directives' | 'tokens';

/**
 * graphql-armor reports with a misleading "Syntax Error:" prefix and no machine-readable kind;
 * we report the same finding ourselves, with `extensions.limit` saying which limit it was.
 */
function reportAs(limit: LimitName) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        context?.reportError(
          new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { limit } }),
        );
      },
    ],
  };
}

/** Checks that run before execution, so a refused query never reaches a provider. */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({
      n: limits.maxDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...reportAs('depth'),
    }),
    maxAliasesRule({ n: limits.maxAliases, ...reportAs('aliases') }),
    maxDirectivesRule({ n: limits.maxDirectives, ...reportAs('directives') }),
  ] as ValidationRule[];
}

/** The cost check, which needs the request's variables, runs once the operation is resolved. */
export function queryLimitPlugins<TContext extends object>(
  limits: QueryLimits,
  pageSize: { defaultSize: number; maxSize: number },
): ApolloServerPlugin<TContext>[] {
  return [
    costLimitPlugin<TContext>({
      maxCost: limits.maxCost,
      defaultPageSize: pageSize.defaultSize,
      maxPageSize: pageSize.maxSize,
    }),
  ];
}

/** graphql-js stops parsing past this many tokens, before building the document at all. */
export function queryParseOptions(limits: QueryLimits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}
