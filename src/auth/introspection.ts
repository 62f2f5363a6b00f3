import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';

/**
 * True when every field the chosen operation selects at its root is `__schema`, `__type` or
 * `__typename`, so it reads the schema and no data. Anything unparsable or ambiguous is false,
 * so it falls to the ordinary credential check.
 */
export function isIntrospectionOnly(query: unknown, operationName: unknown, maxTokens: number): boolean {
  if (typeof query !== 'string') return false;
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens });
  } catch {
    return false;
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation =
    typeof operationName === 'string'
      ? operations.find((o) => o.name?.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  if (!operation || operation.operation !== 'query') return false;
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const seen = new Set<string>();
  const onlyMeta = (set: SelectionSetNode): boolean =>
    set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
      if (selection.kind === Kind.INLINE_FRAGMENT) return onlyMeta(selection.selectionSet);
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) return fragment !== undefined;
      seen.add(name);
      return onlyMeta(fragment.selectionSet);
    });
  return onlyMeta(operation.selectionSet);
}
