"""Bearer tokens, write rights and the audit trail on a service built from shared pieces."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.app import create_service_app
from shared.audit import audit_table_for
from shared.auth import AuthSettings, Role, mint_token
from shared.crud import EntitySpec
from shared.entity_router import entity_router
from shared.settings import DemandSettings
from shared.types import Code, Name


class ToyTable(SQLModel, registry=registry()):
    pass


class WidgetBase(SQLModel):
    code: Code
    name: Name


class Widget(WidgetBase, ToyTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)


class WidgetPublic(WidgetBase):
    id: int


class WidgetUpdate(BaseModel):
    name: Name | None = None


class NoFilters(BaseModel):
    pass


AuditEntry = audit_table_for(ToyTable)
AUTH = AuthSettings()


def token(*roles: Role, subject: str = "ada") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(AUTH, subject=subject, roles=roles)}"}


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    router = entity_router(
        spec=EntitySpec(table=Widget, key=("code",), label="widget"),
        create_model=WidgetBase,
        update_model=WidgetUpdate,
        public_model=WidgetPublic,
        filters_model=NoFilters,
        path="/widgets",
        tag="widgets",
    )
    app = create_service_app(
        title="toy",
        description="toy",
        settings=DemandSettings(database_url=database_url),
        metadata=ToyTable.metadata,
        routers=[router],
        writers={Role.sales},
        audit_table=AuditEntry,
    )
    with TestClient(app) as test_client:
        yield test_client


def test_unauthenticated_is_401_and_wrong_role_is_403(client: TestClient) -> None:
    assert client.get("/widgets").status_code == 401
    assert client.get("/widgets", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401
    viewer = token(Role.viewer)
    assert client.get("/widgets", headers=viewer).status_code == 200
    refused = client.post("/widgets", json={"code": "W1", "name": "x"}, headers=viewer)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (
        client.post(
            "/widgets", json={"code": "W1", "name": "x"}, headers=token(Role.sales)
        ).status_code
        == 201
    )


def test_expired_or_foreign_token_is_refused(client: TestClient) -> None:
    expired = mint_token(AUTH, subject="ada", roles=[Role.sales], minutes=-1)
    assert client.get("/widgets", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    foreign = AuthSettings(secret="another-secret-of-at-least-32-characters!!")
    forged = mint_token(foreign, subject="eve", roles=[Role.sales])
    assert client.get("/widgets", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_every_write_is_audited_with_who_what_and_why(client: TestClient) -> None:
    sales = {
        **token(Role.sales, subject="sam"),
        "X-SOP-Reason": "new range",
        "X-SOP-Cycle": "2026-11",
    }
    client.post("/widgets", json={"code": "W1", "name": "first"}, headers=sales)
    client.patch("/widgets/W1", json={"name": "renamed"}, headers={**sales, "X-SOP-Reason": "typo"})
    client.put("/widgets", json=[{"code": "W2", "name": "bulk"}], headers=sales)
    client.delete("/widgets/W2", headers=sales)
    trail = client.get("/audit", params={"user": "sam"}, headers=token(Role.viewer)).json()["items"]
    assert [(e["action"], e["entity_key"]["code"]) for e in trail] == [
        ("create", "W1"),
        ("update", "W1"),
        ("create", "W2"),
        ("delete", "W2"),
    ]
    update = trail[1]
    assert update["before"] == {"name": "first"} and update["after"] == {"name": "renamed"}
    assert (
        update["reason"] == "typo" and update["roles"] == "sales" and update["cycle"] == "2026-11"
    )
    assert trail[3]["before"]["name"] == "bulk" and trail[3]["after"] is None
    by_cycle = client.get("/audit", params={"cycle": "2026-11"}, headers=token(Role.viewer)).json()
    assert by_cycle["total"] == 4


def test_refused_write_leaves_no_audit_entry(client: TestClient) -> None:
    client.post("/widgets", json={"code": "W1", "name": "x"}, headers=token(Role.viewer))
    client.post("/widgets", json={"code": "bad code", "name": "x"}, headers=token(Role.sales))
    assert client.get("/audit", headers=token(Role.viewer)).json()["total"] == 0
