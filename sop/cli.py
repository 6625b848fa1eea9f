"""The ``sop`` command: run the four processes on one machine (``sop.supervisor``), load the
demo company (``sop.demo``), manage the schema migrations, print the GraphQL schema, mint
development tokens."""

import asyncio
import datetime as dt
import importlib
import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from shared.auth import AuthSettings, Role, mint_token
from shared.db import create_db_engine
from shared.errors import UpstreamFailed
from shared.periods import current_period
from shared.schema import Migrations, current_revision, migrate, new_revision
from shared.settings import (
    GatewaySettings,
    ServiceSettings,
)
from sop.demo import (
    BOTTLENECK_RESOURCE,
    LoadReport,
    ServiceUrls,
    load_demo,
    services_without_data,
)
from sop.demo.generator import build_company
from sop.demo.load import load_generated
from sop.supervisor import (
    PROCESSES,
    ServiceFailed,
    ServiceSpec,
    Supervisor,
    local_services,
    upstream_urls,
)

app = typer.Typer(
    help="S&OP platform: run the services locally and load the demo company.",
    no_args_is_help=True,
    add_completion=False,
)
demo_app = typer.Typer(
    help="The deterministic demo company, or a generated one of any size (--families)."
)
app.add_typer(demo_app, name="demo")
db_app = typer.Typer(help="Schema migrations (Alembic) of each process.", no_args_is_help=True)
app.add_typer(db_app, name="db")
PROCESS_NAMES = [name for name, *_ in PROCESSES]


@app.command()
def up(
    demo: Annotated[
        bool, typer.Option(help="Load the demo company when the services hold no data yet.")
    ] = True,
    reset: Annotated[
        bool, typer.Option(help="Delete the SQLite databases first (a fresh start).")
    ] = False,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default: from settings).")
    ] = None,
    base_port: Annotated[
        int | None,
        typer.Option(help="Gateway port; the services take the next three (default: settings)."),
    ] = None,
    log_dir: Annotated[Path, typer.Option(help="Where each process writes its log.")] = Path(
        "var/log"
    ),
    log_max_bytes: Annotated[
        int, typer.Option(min=1024, help="A process's log is rotated past this many bytes.")
    ] = 10 * 1024 * 1024,
    log_backups: Annotated[
        int, typer.Option(min=0, help="Rotated logs kept per process (<name>.log.1 ...).")
    ] = 3,
) -> None:
    """Start the gateway and the three services; one that dies is started again (1 s, 2 s,
    4 s... apart; after 5 quick failures in a row all stop, exit code 1); Ctrl-C stops all
    four."""
    ports = (
        {name: base_port + offset for name, _f, _s, offset in PROCESSES}
        if base_port is not None
        else None
    )
    specs = local_services(host=host, ports=ports)
    if reset:
        for path in _sqlite_files():
            if path.exists():
                path.unlink()
                typer.echo(f"deleted {path}")
    supervisor = Supervisor(
        specs,
        log_dir=log_dir,
        log_max_bytes=log_max_bytes,
        log_backups=log_backups,
        notify=lambda message: typer.echo(message, err=True),
    )
    with _stop_on_signals(), supervisor:
        try:
            typer.echo(f"starting {', '.join(s.name for s in specs)} (logs in {log_dir}/)")
            supervisor.wait_healthy()
            if demo:
                _load_demo_if_empty(upstream_urls(specs))
            typer.echo(_banner(specs, log_dir))
            supervisor.watch()
        except KeyboardInterrupt:
            typer.echo("\nstopping all four...")
            return
        except ServiceFailed as exc:
            typer.echo(f"error: {exc}\nstopping the others...", err=True)
            raise typer.Exit(1) from None
        except UpstreamFailed as exc:
            typer.echo(f"error: loading the demo failed: {_describe(exc)}", err=True)
            raise typer.Exit(1) from None


@demo_app.callback(invoke_without_command=True)
def demo_generate(
    context: typer.Context,
    families: Annotated[
        int | None,
        typer.Option(min=1, help="Generate and load a company of this many families."),
    ] = None,
    seed: Annotated[int, typer.Option(help="The same seed gives the same company.")] = 1,
    coupling: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of families that also load the next group's resource (0: groups of "
            "families on resources of their own).",
        ),
    ] = 0.2,
    demand_url: Annotated[str | None, typer.Option(help="Demand service.")] = None,
    supply_url: Annotated[str | None, typer.Option(help="Supply service.")] = None,
    finance_url: Annotated[str | None, typer.Option(help="Finance service.")] = None,
) -> None:
    """``sop demo --families N [--seed S] [--coupling C]``: build a company of N families
    (``sop.demo.generator``) and load it into running services through their bulk APIs, its
    demand plan locked; ``sop demo load`` loads the designed demo instead."""
    if context.invoked_subcommand is not None:
        return
    if families is None:
        typer.echo(context.get_help())
        raise typer.Exit(0)
    data = build_company(
        families=families, seed=seed, coupling=coupling, start=current_period(dt.date.today())
    )
    try:
        report = asyncio.run(
            load_generated(_urls(demand_url, supply_url, finance_url), data, token=_demo_token())
        )
    except UpstreamFailed as exc:
        typer.echo(f"error: {_describe(exc)}", err=True)
        raise typer.Exit(1) from None
    _print_report(report)


def _urls(demand: str | None, supply: str | None, finance: str | None) -> ServiceUrls:
    gateway = GatewaySettings()
    return ServiceUrls(
        demand=demand or gateway.demand_url,
        supply=supply or gateway.supply_url,
        finance=finance or gateway.finance_url,
    )


@demo_app.command("load")
def demo_load(
    demand_url: Annotated[
        str | None, typer.Option(help="Demand service (default: the gateway's setting).")
    ] = None,
    supply_url: Annotated[
        str | None, typer.Option(help="Supply service (default: the gateway's setting).")
    ] = None,
    finance_url: Annotated[
        str | None, typer.Option(help="Finance service (default: the gateway's setting).")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only into services that hold no data.")
    ] = False,
) -> None:
    """Load the demo company into running services through their HTTP APIs."""
    urls = _urls(demand_url, supply_url, finance_url)
    try:
        if if_empty:
            _load_demo_if_empty(urls)
        else:
            _print_report(asyncio.run(load_demo(urls, token=_demo_token())))
    except UpstreamFailed as exc:
        typer.echo(f"error: {_describe(exc)}", err=True)
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade(
    names: Annotated[
        list[str] | None, typer.Argument(help=f"Some of {PROCESS_NAMES} (default: all).")
    ] = None,
) -> None:
    """Migrate each process's database (its settings' URL) to the newest revision, as the
    process itself does when it starts: for deployments that migrate before they roll out."""
    for name in _process_names(names):
        migrations = migrations_of(name)
        engine = create_db_engine(_settings_of(name).database_url)
        try:
            migrate(engine, migrations)
            typer.echo(f"{name}: at revision {current_revision(engine, migrations)}")
        finally:
            engine.dispose()


@db_app.command("revision")
def db_revision(
    name: Annotated[str, typer.Argument(help=f"One of {PROCESS_NAMES}.")],
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision does.")],
) -> None:
    """Write the next revision of a process's schema, autogenerated from its models; review
    it before committing it."""
    (name,) = _process_names([name])
    path = new_revision(migrations_of(name), message=message)
    typer.echo(f"wrote {path}" if path else f"{name}: the models match the newest revision")


def _process_names(names: Sequence[str] | None) -> list[str]:
    unknown = sorted(set(names or ()) - set(PROCESS_NAMES))
    if unknown:
        raise typer.BadParameter(f"unknown {unknown}; expected some of {PROCESS_NAMES}")
    return list(names or PROCESS_NAMES)


def migrations_of(name: str) -> Migrations:
    """The schema history of a process (``demand``, ``supply``, ``finance``, ``gateway``),
    its metadata complete."""
    _, factory, _, _ = _process(name)
    main = factory.split(":")[0]
    importlib.import_module(main)  # registers every table of the process in its metadata
    tables = importlib.import_module(main.rsplit(".", 1)[0] + ".tables")
    migrations: Migrations = tables.migrations
    return migrations


def _settings_of(name: str) -> ServiceSettings:
    _, _, settings_class, _ = _process(name)
    return settings_class()


def _process(name: str) -> tuple[str, str, type[ServiceSettings], int]:
    return next(process for process in PROCESSES if process[0] == name)


@app.command("graphql-schema")
def graphql_schema() -> None:
    """Print the gateway's GraphQL schema (SDL), as committed in gateway/graph/schema.graphql
    for front-end code generators."""
    # Imported here: the graph pulls in the whole gateway, which the other commands do not need.
    from gateway.graph.schema import schema

    typer.echo(schema.as_str())


@app.command()
def token(
    role: Annotated[
        list[Role] | None, typer.Option("--role", help="A role of the token (repeatable).")
    ] = None,
    subject: Annotated[str, typer.Option(help="Who the token names.")] = "local-user",
) -> None:
    """Print a dev-mode bearer token for local calls (roles default to viewer)."""
    minted = dev_token(*(role or [Role.viewer]), subject=subject)
    if minted is None:
        typer.echo("error: in oidc mode tokens come from the identity provider", err=True)
        raise typer.Exit(1)
    typer.echo(minted)


def _load_demo_if_empty(urls: ServiceUrls) -> None:
    token = _demo_token()
    empty = asyncio.run(services_without_data(urls, token=token))
    if not empty:
        typer.echo("the services already hold data: demo not loaded (sop up --reset starts over)")
        return
    typer.echo(f"loading the demo company ({', '.join(empty)} empty)...")
    _print_report(asyncio.run(load_demo(urls, token=token)))


def dev_token(*roles: Role, subject: str) -> str | None:
    """A bearer token signed with the dev-mode secret; None outside dev mode."""
    settings = AuthSettings()
    if settings.mode != "dev":
        return None
    return mint_token(settings, subject=subject, roles=roles)


def _demo_token() -> str | None:
    """The loader's credentials: ``SOP_TOKEN`` if set, else a dev-mode integration token."""
    return os.environ.get("SOP_TOKEN") or dev_token(Role.integration, subject="sop-demo-loader")


def _print_report(report: LoadReport) -> None:
    for url, result in sorted(report.upserts.items()):
        typer.echo(
            f"  PUT {url}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
    if report.plan is not None:
        plan = report.plan
        typer.echo(
            f"  demand plan {plan.id} (version {plan.version}, {plan.horizon_start} + "
            f"{plan.horizon_months} months): {plan.status}"
        )
    if report.supply_plan is not None:
        supply = report.supply_plan
        typer.echo(
            f"  supply plan {supply.id} (version {supply.version}, for demand plan "
            f"{supply.demand_plan_id}): {supply.status}"
        )


def _banner(specs: Sequence[ServiceSpec], log_dir: Path) -> str:
    urls = {spec.name: spec.url for spec in specs}
    gateway = urls["gateway"]
    docs = "\n".join(f"  {name:<8} API docs   {url}/docs" for name, url in urls.items())
    token = dev_token(Role.process_owner, subject="local-process-owner")
    credentials = (
        f"""
A process owner's bearer token (dev mode, 12 h; `sop token --role <role>` mints others):
  export TOKEN={token}
"""
        if token
        else "\nBearer tokens come from your identity provider (SOP_AUTH_MODE=oidc):\n"
        "  export TOKEN=<your token>\n"
    )
    auth = '-H "Authorization: Bearer $TOKEN"'
    return f"""
S&OP platform is up. Ctrl-C stops all four.
  GraphQL (GraphiQL)  {gateway}/graphql
{docs}
  logs                {log_dir}/{{{",".join(urls)}}}.log
{credentials}
Try:
  curl -X POST {gateway}/reconcile {auth}
  curl {gateway}/consensus-plans {auth}
  curl {urls["demand"]}/demand-plans/latest {auth}
  curl '{urls["supply"]}/capacity?resource_code={BOTTLENECK_RESOURCE}&limit=3' {auth}
  curl {gateway}/graphql {auth} -H 'Content-Type: application/json' \\
       -d '{{"query": "{{ latestConsensusPlan {{ version escalations {{ kind title }} }} }}"}}'
"""


def _sqlite_files() -> Iterator[Path]:
    """The SQLite files of the four processes' databases, with their WAL companions."""
    for _name, _factory, settings_class, _offset in PROCESSES:
        url = make_url(settings_class().database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            database = Path(str(url.database))
            yield from (database, Path(f"{database}-wal"), Path(f"{database}-shm"))


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Stop cleanly on SIGTERM (``docker stop``, ``kill``) as on Ctrl-C, and on SIGINT even
    when it was ignored from the start (a background job of a script inherits that)."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _describe(exc: UpstreamFailed) -> str:
    extra = f" {exc.extra}" if getattr(exc, "extra", None) else ""
    return f"{exc}{extra}"
