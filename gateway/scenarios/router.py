"""REST surface of scenarios: named what-ifs over a base problem, solved warm, compared,
promoted to a cycle's decisions; batches with the plans x scenarios table.

Every route needs a bearer token. A scenario's owner edits and deletes it (If-Match with its
version, answered as ETag); the roles it is shared with and the process owner read and solve
it. Nothing here writes a consensus plan.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from gateway.scenarios import service
from gateway.scenarios.models import (
    BatchResult,
    ProposalPublic,
    ScenarioBatch,
    ScenarioCopy,
    ScenarioCreate,
    ScenarioEdit,
    ScenarioPromotion,
    ScenarioPublic,
    ScenarioSolved,
)
from gateway.solver.problem import PlanningProblem
from gateway.state import GatewayStateDep
from shared.auth import CurrentUser, current_principal
from shared.concurrency import if_match, set_etag
from shared.db import SessionDep
from shared.entity_router import NOT_FOUND, PROBLEM_RESPONSES
from shared.responses import json_response
from shared.types import MAX_ROW_ID

router = APIRouter(
    tags=["scenarios"], responses=PROBLEM_RESPONSES, dependencies=[Depends(current_principal)]
)

ScenarioId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, alias="id", description="Scenario id.")]
IfMatch = Annotated[int | None, Depends(if_match)]


def _answer(scenario: Any, response: Response) -> ScenarioPublic:
    set_etag(response, scenario.version)
    return service.public(scenario)


@router.post(
    "/scenarios",
    status_code=status.HTTP_201_CREATED,
    response_model=ScenarioPublic,
    summary="Create a scenario over a base problem (a /solve body) with typed changes",
)
def create_scenario(
    session: SessionDep,
    state: GatewayStateDep,
    principal: CurrentUser,
    body: ScenarioCreate,
    response: Response,
) -> ScenarioPublic:
    scenario = service.create_scenario(
        session, principal=principal, request=body, settings=state.settings
    )
    response.headers["Location"] = f"/scenarios/{scenario.id}"
    return _answer(scenario, response)


@router.get("/scenarios", response_model=list[ScenarioPublic], summary="The scenarios you may see")
def list_scenarios(session: SessionDep, principal: CurrentUser) -> list[ScenarioPublic]:
    return [service.public(s) for s in service.list_scenarios(session, principal=principal)]


@router.get(
    "/scenarios/{id}", response_model=ScenarioPublic, responses=NOT_FOUND, summary="A scenario"
)
def read_scenario(
    session: SessionDep, principal: CurrentUser, scenario_id: ScenarioId, response: Response
) -> ScenarioPublic:
    scenario = service.get_scenario(session, principal=principal, scenario_id=scenario_id)
    return _answer(scenario, response)


@router.get(
    "/scenarios/{id}/problem",
    response_model=PlanningProblem,
    responses=NOT_FOUND,
    summary="The scenario's problem (its base with its changes) as a /solve body",
)
def export_problem(
    session: SessionDep, principal: CurrentUser, scenario_id: ScenarioId
) -> PlanningProblem:
    return service.scenario_problem(session, principal=principal, scenario_id=scenario_id)


@router.patch(
    "/scenarios/{id}",
    response_model=ScenarioPublic,
    responses=NOT_FOUND,
    summary="Rename, reshare or change a scenario (its owner; If-Match)",
)
def edit_scenario(
    session: SessionDep,
    principal: CurrentUser,
    scenario_id: ScenarioId,
    version: IfMatch,
    body: ScenarioEdit,
    response: Response,
) -> ScenarioPublic:
    scenario = service.edit_scenario(
        session, principal=principal, scenario_id=scenario_id, expected_version=version, edit=body
    )
    return _answer(scenario, response)


@router.post(
    "/scenarios/{id}/copy",
    status_code=status.HTTP_201_CREATED,
    response_model=ScenarioPublic,
    responses=NOT_FOUND,
    summary="Copy a scenario you may see into one of your own",
)
def copy_scenario(
    session: SessionDep,
    principal: CurrentUser,
    scenario_id: ScenarioId,
    body: ScenarioCopy,
    response: Response,
) -> ScenarioPublic:
    scenario = service.copy_scenario(
        session, principal=principal, scenario_id=scenario_id, request=body
    )
    response.headers["Location"] = f"/scenarios/{scenario.id}"
    return _answer(scenario, response)


@router.delete(
    "/scenarios/{id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
    summary="Delete a scenario (its owner; If-Match); a promoted one stays",
)
def delete_scenario(
    session: SessionDep, principal: CurrentUser, scenario_id: ScenarioId, version: IfMatch
) -> None:
    service.delete_scenario(
        session, principal=principal, scenario_id=scenario_id, expected_version=version
    )


@router.post(
    "/scenarios/{id}/solve",
    response_model=ScenarioSolved,
    responses=NOT_FOUND,
    summary="Solve a scenario: warm from its base's model, compared with the base",
    description=(
        "The base with the scenario's changes, re-solved in place from the base's last basis "
        "when only values moved (outcome.path = warm), else from scratch (cold, with the "
        "reason). The outcome is stored on the scenario; no consensus plan is written."
    ),
)
async def solve_scenario(
    state: GatewayStateDep,
    principal: CurrentUser,
    scenario_id: ScenarioId,
    lines: Annotated[
        bool,
        Query(description="false: the outcome (totals, comparison) only, solution null."),
    ] = True,
) -> Response:
    solved = await service.solve_scenario(
        engine=state.engine,
        solver=state.solver,
        principal=principal,
        scenario_id=scenario_id,
        lines=lines,
    )
    return json_response(solved)


@router.post(
    "/scenarios/{id}/promote",
    status_code=status.HTTP_201_CREATED,
    response_model=ProposalPublic,
    responses=NOT_FOUND,
    summary="Propose a scenario's supply, lever, target and cost changes to a cycle",
    description=(
        "Process owner only. Records the proposal for the cycle's decision and approval; "
        "demand changes are refused (422): they go back to the demand review."
    ),
)
def promote_scenario(
    session: SessionDep, principal: CurrentUser, scenario_id: ScenarioId, body: ScenarioPromotion
) -> ProposalPublic:
    proposal = service.promote_scenario(
        session, principal=principal, scenario_id=scenario_id, request=body
    )
    return service.proposal_public(proposal)


@router.post(
    "/scenarios/batch",
    response_model=BatchResult,
    summary="Solve named change lists over one base: comparison and plans x scenarios table",
)
async def solve_batch(state: GatewayStateDep, body: ScenarioBatch) -> Response:
    result = await service.solve_batch(solver=state.solver, request=body, settings=state.settings)
    return json_response(result)
