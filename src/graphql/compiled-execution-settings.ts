import { z } from 'zod';

/**
 * A document runs compiled from its second use: a document asked once (a one-off, or a client
 * sending a new text each time) never pays for compiling, one a frontend repeats pays once.
 */
export const DEFAULT_COMPILE_AFTER_USES = 2;

export interface CompiledExecutionSettings {
  /** The use of a document (1 = its first) from which it runs compiled; null: never (graphql-js always). */
  compileAfterUses: number | null;
}

const CompileAfterSchema = z.union([
  z.literal('off').transform(() => null),
  z
    .string()
    .regex(/^\d+$/, 'expected off or a whole number of uses')
    .transform(Number)
    .pipe(z.number().int().min(1, 'at least 1 (compile on first use)').max(1000, 'at most 1000')),
]);

/** The variables this feature reads, for src/config.ts's one environment schema. */
export const CompiledExecutionEnv = {
  GRAPHQL_COMPILE_AFTER_USES: CompileAfterSchema.optional(),
};

export function buildCompiledExecutionSettings(e: {
  GRAPHQL_COMPILE_AFTER_USES?: number | null | undefined;
}): CompiledExecutionSettings {
  return {
    compileAfterUses:
      e.GRAPHQL_COMPILE_AFTER_USES === undefined ? DEFAULT_COMPILE_AFTER_USES : e.GRAPHQL_COMPILE_AFTER_USES,
  };
}
