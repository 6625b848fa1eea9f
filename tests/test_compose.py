"""docker-compose.yml and the Dockerfile agree with the code: there is no Docker engine here,
so everything that can be checked without one is checked against the settings classes."""

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url

from shared.auth import AuthSettings
from shared.security import startup_problems
from shared.settings import ServiceSettings
from sop.supervisor import PROCESSES

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SETTINGS: dict[str, type[ServiceSettings]] = {name: cls for name, _f, cls, _o in PROCESSES}
FACTORIES = {name: factory for name, factory, _c, _o in PROCESSES}
APPS = sorted(SETTINGS)


# What an operator must export before `docker compose up` (compose's ``${NAME:?error}``).
OPERATOR = {"SOP_AUTH_SECRET": "0123456789abcdef0123456789abcdef0123456789abcdef"}
REQUIRED = re.compile(r"\$\{([A-Z_]+):\?[^}]+\}")


def interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}`` with nothing set: the default; ``${NAME:?error}`` (no
    default, compose refuses to start without it): what the operator exported."""
    value = REQUIRED.sub(lambda required: OPERATOR[required.group(1)], value)
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def environment(service: str) -> dict[str, str]:
    return {key: interpolate(str(v)) for key, v in SERVICES[service]["environment"].items()}


def is_auth_variable(variable: str) -> bool:
    return variable == "SOP_ENV" or variable.startswith("SOP_AUTH_")


def process_environment(service: str) -> dict[str, str]:
    """The variables of the process's own settings class, without those of shared.auth."""
    return {k: v for k, v in environment(service).items() if not is_auth_variable(k)}


def auth_environment(service: str) -> dict[str, str]:
    return {k: v for k, v in environment(service).items() if is_auth_variable(k)}


def default_port(settings_class: type[ServiceSettings]) -> int:
    port = settings_class.model_fields["port"].default
    assert isinstance(port, int)
    return port


def uvicorn_factory(command: list[str]) -> tuple[str, int]:
    """The factory and port of an ``uvicorn --factory <factory> ... --port <port>`` command."""
    assert command[:2] == ["uvicorn", "--factory"], command
    return command[2], int(command[command.index("--port") + 1])


def settings_for(variable: str) -> tuple[type[BaseSettings], str]:
    """The settings class a SOP_* variable belongs to, and the field it sets."""
    for settings_class in SETTINGS.values():
        prefix = settings_class.model_config.get("env_prefix", "")
        if variable.startswith(prefix):
            return settings_class, variable.removeprefix(prefix).lower()
    raise AssertionError(f"{variable} matches no settings class prefix")


def test_the_four_processes_and_postgres_run_by_default() -> None:
    by_default = {name for name, spec in SERVICES.items() if not spec.get("profiles")}
    assert by_default == {"postgres", *APPS}


@pytest.mark.parametrize("name", APPS)
def test_each_process_runs_its_factory_on_its_settings_port(name: str) -> None:
    port = default_port(SETTINGS[name])
    factory, command_port = uvicorn_factory(SERVICES[name]["command"])
    assert factory == FACTORIES[name]
    assert command_port == port
    check = " ".join(SERVICES[name]["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/ready" in check


def test_only_the_gateway_is_published_and_only_on_the_hosts_loopback() -> None:
    published = {name: spec["ports"] for name, spec in SERVICES.items() if spec.get("ports")}
    port = default_port(SETTINGS["gateway"])
    assert published == {"gateway": [f"127.0.0.1:{port}:{port}"]}


@pytest.mark.parametrize("name", [*APPS, "demo"])
def test_every_process_needs_the_operators_secret_and_runs_in_production(name: str) -> None:
    raw = SERVICES[name]["environment"]
    assert REQUIRED.fullmatch(raw["SOP_AUTH_SECRET"]), "the secret must have no default"
    env = auth_environment(name)
    for variable in env:
        field = variable.removeprefix("SOP_AUTH_").lower()
        assert variable == "SOP_ENV" or field in AuthSettings.model_fields, variable
    assert env["SOP_ENV"] == "production"
    assert env == auth_environment("gateway"), "the gateway forwards tokens: one secret"


@pytest.mark.parametrize("name", APPS)
def test_each_process_starts_with_the_operators_secret_and_not_without(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable, value in auth_environment(name).items():
        monkeypatch.setenv(variable, value)
    host = SETTINGS[name].model_validate(process_environment(name)).host
    assert startup_problems(auth=AuthSettings(), host=host) == []
    monkeypatch.delenv("SOP_AUTH_SECRET")
    assert startup_problems(auth=AuthSettings(), host=host)


@pytest.mark.parametrize("name", APPS)
def test_env_sets_real_fields_of_the_process_settings(name: str) -> None:
    env = process_environment(name)
    assert env, f"{name} has no environment"
    fields = {}
    for variable, value in env.items():
        settings_class, field = settings_for(variable)
        assert settings_class is SETTINGS[name], f"{variable} is not a {name} setting"
        assert field in settings_class.model_fields, f"{variable}: no field {field!r}"
        fields[field] = value
    settings = SETTINGS[name].model_validate(fields)  # values of the right type, too
    assert settings.port == default_port(SETTINGS[name])
    assert make_url(settings.database_url).get_backend_name() == "postgresql"


def test_gateway_reaches_each_service_by_its_compose_name_and_port() -> None:
    env = process_environment("gateway")
    for name in ("demand", "supply", "finance"):
        port = default_port(SETTINGS[name])
        assert env[f"SOP_GATEWAY_{name.upper()}_URL"] == f"http://{name}:{port}"
    assert {d: c["condition"] for d, c in SERVICES["gateway"]["depends_on"].items()} == {
        "postgres": "service_healthy",
        "demand": "service_healthy",
        "supply": "service_healthy",
        "finance": "service_healthy",
    }


def test_each_process_has_its_own_database_created_by_the_init_script() -> None:
    volumes = SERVICES["postgres"]["volumes"]
    script = next(v.split(":")[0] for v in volumes if "/docker-entrypoint-initdb.d/" in v)
    created = set(re.findall(r"CREATE DATABASE (\w+);", (ROOT / script).read_text()))
    databases = []
    for name in APPS:
        url = make_url(environment(name)[f"SOP_{name.upper()}_DATABASE_URL"])
        assert url.host == "postgres"
        databases.append(url.database)
        depends = SERVICES[name]["depends_on"]["postgres"]
        assert depends == {"condition": "service_healthy"}
    assert len(set(databases)) == len(APPS)
    assert set(databases) == created
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])


def test_the_demo_loader_reads_the_gateway_settings_for_service_urls() -> None:
    demo = SERVICES["demo"]
    assert demo["profiles"] == ["demo"]
    assert demo["command"][:3] == ["sop", "demo", "load"]
    for variable in process_environment("demo"):
        settings_class, field = settings_for(variable)
        assert settings_class is SETTINGS["gateway"] and field in settings_class.model_fields
    upstreams = ("_DEMAND_URL", "_SUPPLY_URL", "_FINANCE_URL")
    gateway = process_environment("gateway")
    assert process_environment("demo") == {
        k: v for k, v in gateway.items() if k.endswith(upstreams)
    }


def test_the_dockerfile_builds_one_image_whose_commands_name_importable_factories() -> None:
    lines = [ln.strip() for ln in (ROOT / "Dockerfile").read_text().splitlines()]
    assert "FROM python:3.11-slim" in lines
    assert any(ln.startswith("RUN pip install .") for ln in lines)
    copied = {ln.split()[1] for ln in lines if ln.startswith("COPY")}
    for package in ("shared", "services", "gateway"):
        assert package in copied, f"{package}/ is not copied into the image"
    cmd = next(ln for ln in lines if ln.startswith("CMD "))
    commands = [exec_form(cmd.removeprefix("CMD "))]
    commands += [SERVICES[name]["command"] for name in APPS]
    for command in commands:
        module_name, _, attribute = uvicorn_factory(command)[0].partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        assert callable(factory), f"{module_name}:{attribute} is not callable"


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", "tests"} <= ignored


def exec_form(text: str) -> list[str]:
    """A Dockerfile exec-form instruction (a JSON array of strings)."""
    parsed = yaml.safe_load(text)  # JSON is YAML
    assert isinstance(parsed, list) and all(isinstance(item, str) for item in parsed)
    return parsed


def test_every_process_keeps_idle_connections_longer_than_its_clients() -> None:
    """uvicorn's keep-alive, explicit in each command, is the settings' and outlasts the
    gateway's upstream clients' (which then always close an idle connection first)."""
    cmd = next(
        ln.strip() for ln in (ROOT / "Dockerfile").read_text().splitlines() if ln.startswith("CMD ")
    )
    commands = [exec_form(cmd.removeprefix("CMD "))]
    commands += [SERVICES[name]["command"] for name in APPS]
    client_keep_alive = SETTINGS["gateway"].model_fields["upstream_keepalive_seconds"].default
    for command in commands:
        keep_alive = int(command[command.index("--timeout-keep-alive") + 1])
        assert keep_alive == ServiceSettings.model_fields["keep_alive_seconds"].default
        assert keep_alive > client_keep_alive
