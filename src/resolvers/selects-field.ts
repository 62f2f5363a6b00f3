import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLResolveInfo,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql';

type Selection = FieldNode | FragmentSpreadNode | InlineFragmentNode;

/** Whether `@skip`/`@include` leave the selection in, with the request's variables. */
function included(node: Selection, variables: GraphQLResolveInfo['variableValues']): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.['if'] === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.['if'] !== false;
}

function selectsIn(
  set: SelectionSetNode | undefined,
  name: string,
  info: GraphQLResolveInfo,
  seen: Set<string>,
): boolean {
  for (const selection of set?.selections ?? []) {
    if (!included(selection, info.variableValues)) continue;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name) return true;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (selectsIn(selection.selectionSet, name, info, seen)) return true;
    } else {
      const fragmentName = selection.name.value;
      if (seen.has(fragmentName)) continue;
      seen.add(fragmentName);
      const fragment: FragmentDefinitionNode | undefined = info.fragments[fragmentName];
      if (selectsIn(fragment?.selectionSet, name, info, seen)) return true;
    }
  }
  return false;
}

/**
 * Whether the field being resolved selects the sub-field `name` (through fragments, honouring
 * `@skip`/`@include`), so a resolver makes a call only an answered field needs: a connection counts
 * its whole list only for a client that selected `totalCount`.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const seen = new Set<string>();
  return info.fieldNodes.some((node) => selectsIn(node.selectionSet, name, info, seen));
}
