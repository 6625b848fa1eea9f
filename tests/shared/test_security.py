"""Safe to expose: the start-up refusal, dev tokens from this machine only, the token lifetime
cap, request body limits, security headers and Bearer challenges."""

import datetime as dt
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import MetaData
from typer.testing import CliRunner

from shared.app import create_service_app
from shared.auth import (
    AuthSettings,
    Principal,
    Role,
    current_principal,
    mint_token,
    verify_token,
)
from shared.errors import Forbidden, install_problem_handlers
from shared.schema import Migrations
from shared.security import InsecureConfiguration, install_security, startup_problems
from shared.settings import DemandSettings
from sop.cli import app as sop

ROOT = Path(__file__).resolve().parents[2]
OWN_SECRET = "an-operator-chosen-secret-of-32-bytes!"
LIMIT = 10_000
CHALLENGE = 'Bearer realm="sop"'
INVALID_TOKEN = 'Bearer realm="sop", error="invalid_token"'


# ----------------------------------------------------------------------- may the process start


@pytest.mark.parametrize(
    ("auth", "host", "refused_for"),
    [
        pytest.param(AuthSettings(), "127.0.0.1", None, id="local-dev"),
        pytest.param(AuthSettings(), "::1", None, id="local-dev-ipv6"),
        pytest.param(AuthSettings(), "localhost", None, id="local-dev-by-name"),
        pytest.param(AuthSettings(), "0.0.0.0", "public development secret", id="exposed-dev"),
        pytest.param(AuthSettings(), "10.1.2.3", "public development secret", id="lan-dev"),
        pytest.param(AuthSettings(), "sop.example", "public development secret", id="named-dev"),
        pytest.param(
            AuthSettings(environment="production"),
            "127.0.0.1",
            "public development secret",
            id="production-default-secret",
        ),
        pytest.param(AuthSettings(secret="x" * 31), "127.0.0.1", "fewer than 32", id="short"),
        pytest.param(
            AuthSettings(secret="é" * 15), "0.0.0.0", "fewer than 32", id="short-in-bytes"
        ),
        pytest.param(AuthSettings(secret=OWN_SECRET), "0.0.0.0", None, id="exposed-own-secret"),
        pytest.param(
            AuthSettings(secret=OWN_SECRET, environment="production"),
            "0.0.0.0",
            None,
            id="production-own-secret",
        ),
        pytest.param(AuthSettings(mode="oidc"), "127.0.0.1", "needs SOP_AUTH_JWKS_URL", id="oidc"),
        pytest.param(
            AuthSettings(mode="oidc", jwks_url="http://idp.example/jwks"),
            "0.0.0.0",
            "must be https",
            id="oidc-keys-in-clear",
        ),
        pytest.param(
            AuthSettings(
                mode="oidc", jwks_url="https://idp.example/jwks", environment="production"
            ),
            "0.0.0.0",
            None,
            id="production-oidc",
        ),
        pytest.param(
            AuthSettings(token_minutes=120, max_token_minutes=60),
            "127.0.0.1",
            "exceeds SOP_AUTH_MAX_TOKEN_MINUTES",
            id="lifetime-over-cap",
        ),
    ],
)
def test_startup_problems(auth: AuthSettings, host: str, refused_for: str | None) -> None:
    problems = startup_problems(auth=auth, host=host)
    if refused_for is None:
        assert problems == []
    else:
        assert len(problems) == 1 and refused_for in problems[0]


def test_sop_env_declares_production_for_the_whole_deployment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOP_ENV", "production")
    assert AuthSettings().environment == "production"
    assert startup_problems(auth=AuthSettings(), host="127.0.0.1")


def test_a_service_refuses_to_be_created_exposed_on_the_public_secret(tmp_path: Path) -> None:
    with pytest.raises(InsecureConfiguration, match="refusing to start: SOP_AUTH_SECRET is the"):
        create_service_app(
            title="toy",
            description="toy",
            settings=DemandSettings(database_url=f"sqlite:///{tmp_path}/t.db", host="0.0.0.0"),
            migrations=Migrations(name="toy", metadata=MetaData(), versions=tmp_path),
            routers=[],
        )


def service_from_environment() -> FastAPI:
    """A service built as every service is, from ``SOP_DEMAND_*`` (run by uvicorn below)."""
    return create_service_app(
        title="toy",
        description="toy",
        settings=DemandSettings(),
        migrations=Migrations(name="toy", metadata=MetaData(), versions=Path("unused")),
        routers=[],
    )


def test_the_process_exits_with_the_reason_instead_of_listening(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SOP_DEMAND_HOST": "0.0.0.0",
        "SOP_DEMAND_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
    }
    env.pop("SOP_AUTH_SECRET", None)
    factory = "tests.shared.test_security:service_from_environment"
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", "0"]
    done = subprocess.run(
        [*command, "--host", "0.0.0.0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "refusing to start: SOP_AUTH_SECRET is the public development secret" in done.stderr


# ------------------------------------------------------------------------------ the test app


def toy_app(*, auth: AuthSettings | None = None) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_security(app, settings=DemandSettings(max_body_bytes=LIMIT), auth=auth)
    calls: list[str] = []
    app.state.calls = calls

    @app.get("/open")
    def open_route() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/me")
    def me(principal: Annotated[Principal, Depends(current_principal)]) -> str:
        return principal.subject

    @app.get("/forbidden")
    def forbidden() -> None:
        raise Forbidden("not yours")

    @app.get("/bare-401")
    def bare_401() -> None:
        raise HTTPException(status_code=401, detail="who are you")

    @app.post("/echo")
    def echo(body: dict[str, Any]) -> int:
        calls.append("echo")
        return len(body)

    return app


@pytest.fixture
def app() -> FastAPI:
    return toy_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def dev_token(*, settings: AuthSettings | None = None) -> dict[str, str]:
    return bearer(mint_token(settings or AuthSettings(), subject="ada", roles=[Role.viewer]))


# ----------------------------------------------------------------- dev tokens from this machine


@pytest.mark.parametrize("peer", ["203.0.113.7", "10.0.0.2", "2001:db8::1"])
def test_a_public_secret_token_from_another_machine_is_refused(peer: str) -> None:
    with TestClient(toy_app(), client=(peer, 50000)) as remote:
        refused = remote.get("/me", headers=dev_token())
    assert refused.status_code == 401
    assert "public development secret" in refused.json()["detail"]
    assert refused.headers["www-authenticate"] == INVALID_TOKEN


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1"])
def test_a_public_secret_token_from_this_machine_is_accepted(peer: str) -> None:
    with TestClient(toy_app(), client=(peer, 50000)) as local:
        assert local.get("/me", headers=dev_token()).json() == "ada"


def test_a_token_signed_with_an_own_secret_is_accepted_from_anywhere() -> None:
    own = AuthSettings(secret=OWN_SECRET)
    with TestClient(toy_app(auth=own), client=("203.0.113.7", 50000)) as remote:
        assert remote.get("/me", headers=dev_token(settings=own)).json() == "ada"


# ---------------------------------------------------------------------- token lifetime cap


def signed(*, lifetime: dt.timedelta | None, settings: AuthSettings) -> str:
    """A token signed with the settings' secret, ``lifetime`` between iat and exp (no iat if
    None), as a careless or hostile minter would write it."""
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "sub": "eve",
        "roles": ["executive_sponsor"],
        "iss": settings.issuer,
        "aud": settings.audience,
        "exp": now + (lifetime or dt.timedelta(minutes=5)),
    }
    if lifetime is not None:
        claims["iat"] = now
    return jwt.encode(claims, settings.secret, algorithm="HS256")


def test_a_token_living_longer_than_the_cap_is_refused(client: TestClient) -> None:
    settings = AuthSettings()
    cap = dt.timedelta(minutes=settings.max_token_minutes)
    at_cap = signed(lifetime=cap, settings=settings)
    assert client.get("/me", headers=bearer(at_cap)).status_code == 200
    too_long = signed(lifetime=cap + dt.timedelta(minutes=1), settings=settings)
    refused = client.get("/me", headers=bearer(too_long))
    assert refused.status_code == 401
    assert f"longer than the {settings.max_token_minutes} allowed" in refused.json()["detail"]
    assert refused.headers["www-authenticate"] == INVALID_TOKEN
    undated = client.get("/me", headers=bearer(signed(lifetime=None, settings=settings)))
    assert undated.status_code == 401 and '"iat"' in undated.json()["detail"]


def test_times_written_as_numeric_strings_are_held_to_the_cap_too(client: TestClient) -> None:
    settings = AuthSettings()
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {"sub": "eve", "iss": settings.issuer, "aud": settings.audience}
    too_long = {**claims, "iat": str(now), "exp": str(now + 10**6)}
    token = jwt.encode(too_long, settings.secret, algorithm="HS256")
    assert client.get("/me", headers=bearer(token)).status_code == 401


def test_minting_refuses_a_lifetime_over_the_cap() -> None:
    settings = AuthSettings(max_token_minutes=60)
    assert mint_token(settings, subject="ada", roles=[Role.viewer], minutes=60)
    with pytest.raises(ValueError, match="at most 60 minutes"):
        mint_token(settings, subject="ada", roles=[Role.viewer], minutes=61)


def test_sop_token_mints_a_token_within_the_cap() -> None:
    result = CliRunner().invoke(sop, ["token", "--role", "process_owner"])
    assert result.exit_code == 0, result.output
    principal = verify_token(AuthSettings(), result.output.strip())
    assert principal.roles == {Role.process_owner}


# ------------------------------------------------------------------------ request body limit


def test_a_declared_body_over_the_limit_is_refused_before_the_app_reads_it(
    app: FastAPI, client: TestClient
) -> None:
    refused = client.post(
        "/echo", content=b"x" * (LIMIT + 1), headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "content-too-large" and f"{LIMIT} bytes" in problem["detail"]
    assert problem["extra"] == {"max_body_bytes": LIMIT}
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert app.state.calls == []
    assert client.post("/echo", json={"a": "x" * (LIMIT - 20)}).json() == 1


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_a_streamed_body_is_cut_off_at_the_limit_without_reading_the_rest(
    app: FastAPI,
) -> None:
    chunk = b"x" * 1000
    sent = 0

    async def endless_body() -> AsyncIterator[bytes]:
        nonlocal sent
        while sent < 1000:  # 1 MB, a hundred times the limit: a bound, should the cut fail
            sent += 1
            yield chunk

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://toy") as toy:
        refused = await toy.post(
            "/echo", content=endless_body(), headers={"Content-Type": "application/json"}
        )
    assert "content-length" not in refused.request.headers  # chunked: no size announced
    assert refused.status_code == 413
    assert refused.json()["code"] == "content-too-large"
    assert sent == LIMIT // len(chunk) + 1
    assert app.state.calls == []


# --------------------------------------------------------------- security headers, challenges


def assert_security_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_security_headers_on_a_success(client: TestClient) -> None:
    ok = client.get("/open")
    assert ok.status_code == 200
    assert_security_headers(ok)
    assert "cache-control" not in ok.headers and "www-authenticate" not in ok.headers


@pytest.mark.parametrize(
    ("path", "headers", "challenge"),
    [
        pytest.param("/me", {}, CHALLENGE, id="no-token"),
        pytest.param("/me", {"Authorization": "Basic YWRhOnB3"}, CHALLENGE, id="other-scheme"),
        pytest.param("/me", bearer("not-a-jwt"), INVALID_TOKEN, id="malformed"),
        pytest.param(
            "/me",
            bearer(mint_token(AuthSettings(), subject="a", roles=[], minutes=-1)),
            INVALID_TOKEN,
            id="expired",
        ),
        pytest.param(
            "/me",
            dev_token(settings=AuthSettings(secret=OWN_SECRET)),
            INVALID_TOKEN,
            id="foreign-signature",
        ),
        pytest.param("/bare-401", {}, CHALLENGE, id="any-other-401"),
    ],
)
def test_every_401_challenges_for_a_bearer_token(
    client: TestClient, path: str, headers: dict[str, str], challenge: str
) -> None:
    refused = client.get(path, headers=headers)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == challenge
    assert refused.headers["cache-control"] == "no-store"
    assert refused.headers["content-type"] == "application/problem+json"
    assert_security_headers(refused)


def test_a_403_is_not_cached_either(client: TestClient) -> None:
    refused = client.get("/forbidden")
    assert refused.status_code == 403
    assert refused.headers["cache-control"] == "no-store"
    assert_security_headers(refused)


def test_a_service_sends_the_headers_on_every_response(tmp_path: Path) -> None:
    app = create_service_app(
        title="toy",
        description="toy",
        settings=DemandSettings(database_url=f"sqlite:///{tmp_path}/t.db"),
        migrations=Migrations(name="toy", metadata=MetaData(), versions=tmp_path),
        routers=[],
    )
    assert_security_headers(TestClient(app).get("/health"))
