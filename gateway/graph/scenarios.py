"""Scenarios in the GraphQL graph: the twin of ``gateway/scenarios/router.py``.

The same service functions as REST, so owners, shared roles and versions are the same; a
write takes the version it is based on as ``expectedVersion`` where REST takes If-Match. A
base problem and the typed changes are JSON here (the ``/solve`` body and the REST change
list, validated by the same models); errors name the GraphQL input.
"""

from typing import Any, TypeVar

import strawberry
from fastapi import Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from strawberry.scalars import JSON

from gateway.cycle.runner import session_runner
from gateway.scenarios import service
from gateway.scenarios.models import (
    ScenarioBatch,
    ScenarioCopy,
    ScenarioCreate,
    ScenarioEdit,
    ScenarioPromotion,
    ScenarioPublic,
)
from shared.auth import Principal, current_principal
from shared.errors import NotFound, ValidationFailed, validation_errors

ModelT = TypeVar("ModelT", bound=BaseModel)


@strawberry.type(description="A named what-if over a base problem, with its last outcome.")
class Scenario:
    id: int
    name: str
    owner: str
    shared_with: list[str]
    changes: JSON
    version: int
    outcome: JSON | None = strawberry.field(
        description="path (warm/cold), reason, seconds, objective, totals, comparison."
    )

    @classmethod
    def of(cls, scenario: ScenarioPublic) -> "Scenario":
        return cls(
            id=scenario.id,
            name=scenario.name,
            owner=scenario.owner,
            shared_with=scenario.shared_with,
            changes=JSON(scenario.changes),
            version=scenario.version,
            outcome=None
            if scenario.outcome is None
            else JSON(scenario.outcome.model_dump(mode="json")),
        )


def _request(info: strawberry.Info) -> Request:
    request: Request = info.context.request
    return request


def _caller(info: strawberry.Info) -> Principal:
    return current_principal(_request(info))


def _input(model: type[ModelT], values: Any) -> ModelT:
    """The REST request model of a GraphQL input: one validation for both."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = validation_errors([{**e, "loc": ("input", *e["loc"])} for e in exc.errors()])
        raise ValidationFailed("the input is invalid", errors=errors) from exc


@strawberry.type
class ScenarioQuery:
    @strawberry.field(description="The scenarios you may see, newest first.")
    async def scenarios(self, info: strawberry.Info) -> list[Scenario]:
        principal = _caller(info)

        def read(session: Session) -> list[ScenarioPublic]:
            return [service.public(s) for s in service.list_scenarios(session, principal=principal)]

        return [Scenario.of(s) for s in await session_runner(_request(info))(read)]

    @strawberry.field(description="One scenario (null when missing or not yours to see).")
    async def scenario(self, info: strawberry.Info, id: int) -> Scenario | None:
        principal = _caller(info)

        def read(session: Session) -> ScenarioPublic | None:
            try:
                return service.public(
                    service.get_scenario(session, principal=principal, scenario_id=id)
                )
            except NotFound:
                return None

        found = await session_runner(_request(info))(read)
        return Scenario.of(found) if found else None


@strawberry.type
class ScenarioMutation:
    @strawberry.mutation(description="Create a scenario: input is the REST body.")
    async def create_scenario(self, info: strawberry.Info, input: JSON) -> Scenario:
        principal = _caller(info)
        request = _input(ScenarioCreate, input)
        settings = info.context.state.settings

        def write(session: Session) -> ScenarioPublic:
            return service.public(
                service.create_scenario(
                    session,
                    principal=principal,
                    request=request,
                    settings=settings,
                    location="input",
                )
            )

        return Scenario.of(await session_runner(_request(info))(write))

    @strawberry.mutation(description="Rename, reshare or change a scenario (its owner).")
    async def edit_scenario(
        self, info: strawberry.Info, id: int, expected_version: int, input: JSON
    ) -> Scenario:
        principal = _caller(info)
        edit = _input(ScenarioEdit, input)

        def write(session: Session) -> ScenarioPublic:
            return service.public(
                service.edit_scenario(
                    session,
                    principal=principal,
                    scenario_id=id,
                    expected_version=expected_version,
                    edit=edit,
                    location="input",
                )
            )

        return Scenario.of(await session_runner(_request(info))(write))

    @strawberry.mutation(description="Copy a scenario you may see into one of your own.")
    async def copy_scenario(self, info: strawberry.Info, id: int, name: str) -> Scenario:
        principal = _caller(info)
        request = _input(ScenarioCopy, {"name": name})

        def write(session: Session) -> ScenarioPublic:
            return service.public(
                service.copy_scenario(session, principal=principal, scenario_id=id, request=request)
            )

        return Scenario.of(await session_runner(_request(info))(write))

    @strawberry.mutation(description="Delete a scenario (its owner); true when deleted.")
    async def delete_scenario(self, info: strawberry.Info, id: int, expected_version: int) -> bool:
        principal = _caller(info)

        def write(session: Session) -> bool:
            service.delete_scenario(
                session, principal=principal, scenario_id=id, expected_version=expected_version
            )
            return True

        return await session_runner(_request(info))(write)

    @strawberry.mutation(description="Solve a scenario warm from its base's model.")
    async def solve_scenario(self, info: strawberry.Info, id: int) -> Scenario:
        solved = await service.solve_scenario(
            engine=info.context.state.engine,
            solver=info.context.state.solver,
            principal=_caller(info),
            scenario_id=id,
            lines=False,
        )
        return Scenario.of(solved.scenario)

    @strawberry.mutation(description="Propose a scenario's non-demand changes to a cycle.")
    async def promote_scenario(
        self, info: strawberry.Info, id: int, cycle_id: int, rationale: str
    ) -> JSON:
        principal = _caller(info)
        request = _input(ScenarioPromotion, {"cycle_id": cycle_id, "rationale": rationale})

        def write(session: Session) -> JSON:
            proposal = service.promote_scenario(
                session, principal=principal, scenario_id=id, request=request, location="input"
            )
            return JSON(service.proposal_public(proposal).model_dump(mode="json"))

        return await session_runner(_request(info))(write)

    @strawberry.mutation(description="Solve named change lists over one base (REST body).")
    async def solve_scenario_batch(self, info: strawberry.Info, input: JSON) -> JSON:
        _caller(info)
        request = _input(ScenarioBatch, input)
        result = await service.solve_batch(
            solver=info.context.state.solver,
            request=request,
            settings=info.context.state.settings,
            location="input",
        )
        return JSON(result.model_dump(mode="json"))
