"""The cost of a GraphQL operation: an estimate of the size of its answer, before it runs.

Strawberry (0.341) has depth, alias and token limits but no cost limit; this is the rule the
gateway's cost limit (``gateway.graph.limits``) applies. Pure: a document and a schema in, a
number out.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

DEFAULT_LIST_SIZE = 10
"""The length a list field is expected to have when its arguments do not bound it."""

SIZE_ARGUMENTS = ("limit", "first")
"""Arguments that bound the length of a list field (a page size)."""

MAX_NESTING = 100
"""Nesting (fields within fields, fragments within fragments) beyond which the estimate stops:
such an operation is refused as too costly, whatever its fields."""


class TooDeepToEstimate(Exception):
    """The operation nests beyond ``MAX_NESTING``."""


def operation_cost(
    *,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    default_list_size: int = DEFAULT_LIST_SIZE,
) -> float:
    """The number of field values the answer to ``operation`` may hold.

    The rule: every selected field costs 1 per value it is resolved to, and a list field is
    resolved to as many values as its expected length, which multiplies everything selected
    under it. So ``cost(selections) = sum over fields of length(field) * (1 + cost(its
    selections))``, where ``length`` is 1 for a field that is not a list, the value of its
    ``limit`` (or ``first``) argument when given (literal or variable) or defaulted by the
    schema, else ``default_list_size``. Fragments count where they are spread (a fragment's cost is
    computed once, so fragments spread within fragments cost no time to estimate);
    introspection fields count like any other (``__typename`` is 1). A field or fragment the
    schema does not know counts as a field that is not a list (validation refuses it, but
    after this estimate, so what it selects must not cost time to walk). An operation nested
    deeper than ``MAX_NESTING`` costs ``inf``.

    Examples with the default length 10: ``{ family(code: "A") { code name } }`` costs 3;
    ``{ families { code routings { resourceCode } } }`` costs 10 * (1 + 1 + 10 * (1 + 1)),
    that is 220; ``consensusPlans(limit: 2) { version }`` costs 2 * (1 + 1) = 4, and
    ``consensusPlans { version }`` 20 * 2 = 40 (its limit defaults to 20).
    """
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0.0
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    estimate = _Estimate(
        schema=schema,
        fragments=fragments,
        variables=variables,
        default_list_size=default_list_size,
    )
    try:
        return estimate.selections(root, operation.selection_set, nesting=0)
    except TooDeepToEstimate:
        return float("inf")


@dataclass
class _Estimate:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    default_list_size: int
    fragment_costs: dict[str, float] = field(default_factory=dict)
    fragments_in_progress: set[str] = field(default_factory=set)

    def selections(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode, *, nesting: int
    ) -> float:
        if nesting > MAX_NESTING:
            raise TooDeepToEstimate
        cost = 0.0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self.field(parent, selection, nesting=nesting)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                cost += self.selections(scope, selection.selection_set, nesting=nesting + 1)
            elif isinstance(selection, FragmentSpreadNode):
                cost += self.fragment(selection.name.value, nesting=nesting + 1)
        return cost

    def field(self, parent: GraphQLNamedType | None, node: FieldNode, *, nesting: int) -> float:
        definition = _field_of(self.schema, parent, node.name.value)
        length = 1 if definition is None else self.length(definition, node)
        below = 0.0
        if node.selection_set is not None:
            scope = None if definition is None else get_named_type(definition.type)
            below = self.selections(scope, node.selection_set, nesting=nesting + 1)
        return length * (1 + below)

    def fragment(self, name: str, *, nesting: int) -> float:
        if name in self.fragment_costs:
            return self.fragment_costs[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.fragments_in_progress:
            return 0.0  # missing or cyclic: validation refuses it
        scope = self.schema.get_type(definition.type_condition.name.value)
        self.fragments_in_progress.add(name)
        cost = self.selections(scope, definition.selection_set, nesting=nesting)
        self.fragments_in_progress.discard(name)
        self.fragment_costs[name] = cost
        return cost

    def length(self, definition: GraphQLField, node: FieldNode) -> int:
        if not is_list_type(get_nullable_type(definition.type)):
            return 1
        for argument in node.arguments or ():
            if argument.name.value not in SIZE_ARGUMENTS:
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            if _is_length(value):
                return int(value)
        for name in SIZE_ARGUMENTS:
            argument_definition = definition.args.get(name)
            if argument_definition is not None and _is_length(argument_definition.default_value):
                return int(argument_definition.default_value)
        return self.default_list_size


def _is_length(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _field_of(
    schema: GraphQLSchema, parent: GraphQLNamedType | None, name: str
) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is schema.query_type:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None
