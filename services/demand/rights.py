"""Who may write what inside the demand service, finer than its writer roles.

The app lets every demand role (sales, marketing, demand planner, product manager,
integration) write; the demand plans narrow it down:
- each input stream is written (and withdrawn from) only by its role: sales by sales,
  marketing by marketing, product by the product manager, planner by the demand planner;
- drafting plans, loading their lines, computing the statistical baseline and rebuilding the
  consensus are the demand planner's, who facilitates the demand review;
- locking a plan closes the demand review: the demand planner's alone;
- rolling a plan into the next month is also the process owner's, whose closing of a cycle
  rolls its plan (the roll route enforces this itself, outside the service's writer guard);
- an ERP/APS integration may load all of it except the lock, which is a person's decision.

An input's author is its caller: a person writes as themselves (a body ``author`` naming
someone else is refused), only an integration loads inputs on behalf of their authors.
"""

from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends

from shared.auth import CurrentUser, Principal, Role
from shared.contracts.demand import InputStream
from shared.errors import FieldError, Forbidden

PLAN_KEEPERS = frozenset({Role.demand_planner, Role.integration})
PLAN_LOCKERS = frozenset({Role.demand_planner})
# Closing an S&OP cycle rolls its demand plan into the next month: the process owner closes.
PLAN_ROLLERS = PLAN_KEEPERS | {Role.process_owner}
STREAM_WRITERS: dict[InputStream, frozenset[Role]] = {
    InputStream.sales: frozenset({Role.sales, Role.integration}),
    InputStream.marketing: frozenset({Role.marketing, Role.integration}),
    InputStream.product: frozenset({Role.product_manager, Role.integration}),
    InputStream.planner: frozenset({Role.demand_planner, Role.integration}),
}
# Writers on behalf of others: they name each input's author in the body.
LOADERS = frozenset({Role.integration})


def require(principal: Principal, allowed: frozenset[Role], *, what: str) -> None:
    """403 unless the caller holds one of the ``allowed`` roles."""
    if not principal.has_any(allowed):
        raise Forbidden(
            f"{what} is for {_names(allowed)}; you have {_names(principal.roles) or 'no role'}"
        )


def check_stream_writer(principal: Principal, stream: InputStream) -> None:
    """403 unless the caller holds the stream's role (or loads for an integration)."""
    require(principal, STREAM_WRITERS[stream], what=f"writing the {stream.value} stream")


def allowing(allowed: frozenset[Role], *, what: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers holding one of ``allowed``."""

    def check(principal: CurrentUser) -> Principal:
        require(principal, allowed, what=what)
        return principal

    return check


def stream_writer(stream: InputStream) -> Callable[[Principal], Principal]:
    """A dependency that lets through only the writers of ``stream``."""
    return allowing(STREAM_WRITERS[stream], what=f"writing the {stream.value} stream")


PlanKeeper = Annotated[
    Principal, Depends(allowing(PLAN_KEEPERS, what="drafting and loading demand plans"))
]
PlanRoller = Annotated[
    Principal, Depends(allowing(PLAN_ROLLERS, what="rolling a demand plan into the next month"))
]
PlanLocker = Annotated[
    Principal, Depends(allowing(PLAN_LOCKERS, what="locking a demand plan (it closes the review)"))
]


def authors(
    principal: Principal, stated: Iterable[str | None], *, location: str = "body"
) -> tuple[list[str], list[FieldError]]:
    """The author of each input, and an error for each that names someone else."""
    on_behalf = principal.has_any(LOADERS)
    names: list[str] = []
    errors: list[FieldError] = []
    for index, author in enumerate(stated):
        if on_behalf:
            names.append(author or principal.subject)
            continue
        if author is not None and author != principal.subject:
            errors.append(
                FieldError(
                    field=f"{location}.{index}.author",
                    reason=f"you write as {principal.subject!r}: an input's author is its "
                    f"caller (omit author); only an integration loads inputs on behalf of "
                    f"others",
                )
            )
        names.append(principal.subject)
    return names, errors


def _names(roles: Iterable[Role]) -> str:
    return ", ".join(sorted(role.value for role in roles))
