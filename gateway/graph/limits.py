"""Limits on what one GraphQL operation may ask, checked before any resolver runs.

Strawberry's own extensions do the work where it has one: ``QueryDepthLimiter``,
``MaxAliasesLimiter``, ``MaxTokensLimiter`` and ``DisableIntrospection`` (with
``StrawberryConfig.disable_field_suggestions``). It has no cost limit, so ``MaxCostLimiter``
applies ``gateway.graph.cost.operation_cost``. Every refusal is a GraphQL error (no data,
HTTP 200 as Strawberry answers an invalid document) whose ``extensions.code`` names the
limit: ``query-too-deep``, ``too-many-aliases``, ``too-many-tokens``, ``query-too-costly``,
``introspection-disabled``. The values come from ``GatewaySettings`` (``graphql_*``).

Parsing and validating a document costs far more than most reads it asks for (measured on
the planner reads: about 7 ms to parse and 55 ms to validate, against 0.4 ms for the cost
estimate), and clients send the same few documents again and again: Strawberry's
``ParserCache`` and ``ValidationCache`` keep the last ``graphql_document_cache`` documents,
bounded so that unique documents cannot grow memory. The cost is estimated per request (it
depends on the variables), before the cached validation.
"""

import contextlib
import copy
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode
from graphql.validation import ASTValidationContext, ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from gateway.graph.cost import DEFAULT_LIST_SIZE, operation_cost
from shared.auth import AuthSettings
from shared.settings import GatewaySettings

TOO_DEEP = "query-too-deep"
TOO_MANY_ALIASES = "too-many-aliases"
TOO_MANY_TOKENS = "too-many-tokens"
TOO_COSTLY = "query-too-costly"
INTROSPECTION_DISABLED = "introspection-disabled"
LIMIT_CODES = frozenset(
    {TOO_DEEP, TOO_MANY_ALIASES, TOO_MANY_TOKENS, TOO_COSTLY, INTROSPECTION_DISABLED}
)

ExtensionFactory = Callable[[], SchemaExtension]


@dataclass(frozen=True)
class GraphLimits:
    max_depth: int
    max_aliases: int
    max_tokens: int
    max_cost: int
    introspection: bool
    document_cache: int = 0

    @classmethod
    def of(cls, settings: GatewaySettings, *, auth: AuthSettings | None = None) -> "GraphLimits":
        """The limits a gateway runs with; introspection, unless set, is on except in
        production (``SOP_ENV=production``)."""
        introspection = settings.graphql_introspection
        if introspection is None:
            introspection = (auth or AuthSettings()).environment != "production"
        return cls(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_tokens=settings.graphql_max_tokens,
            max_cost=settings.graphql_max_cost,
            introspection=introspection,
            document_cache=settings.graphql_document_cache,
        )


def limit_extensions(limits: GraphLimits) -> list[ExtensionFactory]:
    """Factories of the limit extensions (one instance per request, as Strawberry wants),
    with the document caches when ``limits.document_cache``. The cost limit comes before
    validation: it refuses first, which bounds what the other limits' rules (they walk each
    fragment wherever it is spread) have to walk."""
    factories: list[ExtensionFactory] = [
        functools.partial(MaxCostLimiter, max_cost=limits.max_cost),
        functools.partial(CodedMaxTokensLimiter, max_token_count=limits.max_tokens),
        _coded_factory(QueryDepthLimiter(max_depth=limits.max_depth), TOO_DEEP),
        _coded_factory(MaxAliasesLimiter(max_alias_count=limits.max_aliases), TOO_MANY_ALIASES),
    ]
    if not limits.introspection:
        factories.append(_coded_factory(DisableIntrospection(), INTROSPECTION_DISABLED))
    if limits.document_cache:
        # Parsed after the token limiter has set its bound (part of the cache's key) and can
        # still code a parse error; validated last, so that the cost limit still sees an
        # unvalidated operation and refuses in its place.
        size = limits.document_cache
        factories = [
            *factories[:2],
            functools.partial(CachedParser, maxsize=size),
            *factories[2:],
            functools.partial(CachedValidation, maxsize=size),
        ]
    return factories


class MaxCostLimiter(SchemaExtension):
    """Refuses an operation whose estimated cost (``gateway.graph.cost.operation_cost``: the
    number of field values its answer may hold) is over ``max_cost``. It runs before the
    validation rules and, when it refuses, instead of them (the error is the only one)."""

    def __init__(self, *, max_cost: int, default_list_size: int = DEFAULT_LIST_SIZE) -> None:
        self.max_cost = max_cost
        self.default_list_size = default_list_size

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            schema = context.schema._schema  # the graphql-core schema Strawberry built
            errors = []
            for operation in document.definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                cost = operation_cost(
                    schema=schema,
                    document=document,
                    operation=operation,
                    variables=context.variables or {},
                    default_list_size=self.default_list_size,
                )
                if cost > self.max_cost:
                    errors.append(self._refusal(operation, cost))
            if errors:
                context.pre_execution_errors = errors
        yield

    def _refusal(self, operation: OperationDefinitionNode, cost: float) -> GraphQLError:
        name = operation.name.value if operation.name else "anonymous"
        extensions: dict[str, Any] = {"code": TOO_COSTLY, "maxCost": self.max_cost}
        if cost == float("inf"):
            reason = "nests too deeply to estimate its cost"
        else:
            extensions["cost"] = int(cost)
            reason = f"may answer about {int(cost)} field values"
        return GraphQLError(
            f"'{name}' {reason}; the limit is {self.max_cost} (ask fewer or smaller lists: "
            f"a list field counts its limit argument, else {self.default_list_size} items)",
            [operation],
            extensions=extensions,
        )


class CachedParser(ParserCache):
    """Strawberry's parser cache, which lets a syntax error escape its hook (an error without
    a code, outside the parse step): here a document that does not parse is left to
    Strawberry's own parse, which reports it like any other."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


class CachedValidation(ValidationCache):
    """Strawberry's validation cache, which validates even a document an earlier extension
    has refused: here a refused document (the cost limit's) is not validated at all."""

    def on_validate(self) -> Iterator[None]:
        if self.execution_context.pre_execution_errors is None:
            yield from super().on_validate()
        else:
            yield


class CodedMaxTokensLimiter(MaxTokensLimiter):
    """Strawberry's token limit, its refusal (graphql-core's parse error "Document contains
    more than N tokens") carrying ``extensions.code``."""

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or []:
            if isinstance(error, GraphQLSyntaxError) and "tokens" in error.message:
                error.extensions = {**(error.extensions or {}), "code": TOO_MANY_TOKENS}


def _coded_factory(extension: AddValidationRules, code: str) -> ExtensionFactory:
    """Copies of ``extension`` (one per request), its rules reporting with ``code``."""
    extension.validation_rules = [_coded(rule, code) for rule in extension.validation_rules]
    return functools.partial(copy.copy, extension)


def _coded(rule: type[ASTValidationRule], code: str) -> type[ASTValidationRule]:
    """``rule`` whose every error carries ``extensions.code``. Strawberry's limiters report
    from their constructors, through the validation context, so the context is wrapped."""

    class Coded(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ASTValidationContext) -> None:
            super().__init__(_CodingContext(context, code))

    Coded.__name__ = Coded.__qualname__ = rule.__name__
    return Coded


class _CodingContext:
    """A validation context that adds a code to the errors reported through it."""

    def __init__(self, context: ASTValidationContext, code: str) -> None:
        self._context = context
        self._code = code

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": self._code}
        self._context.report_error(error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)
