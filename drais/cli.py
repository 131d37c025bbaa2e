"""The `drais` command: one entry point for every process and operator task."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from drais.accounts import (
    ADMIN,
    FEDERATION_ROLES,
    AccountError,
    Accounts,
    User,
)
from drais.config import ConfigError, FederationSettings, NodeSettings

app = typer.Typer(help="DRAIS: regional social-innovation support system.", no_args_is_help=True)
node_app = typer.Typer(help="Run and maintain a regional node.", no_args_is_help=True)
app.add_typer(node_app, name="node")
federation_app = typer.Typer(help="Run the national federation.", no_args_is_help=True)
app.add_typer(federation_app, name="federation")
region_app = typer.Typer(help="Set up a region's folder from the template.", no_args_is_help=True)
app.add_typer(region_app, name="region")
users_app = typer.Typer(
    help="Manage the user accounts and API tokens of a node (or, with --federation, of the "
    "national federation). Run on the machine that holds the process's files.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")

T = TypeVar("T")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="TOML file; DRAIS_* variables override it.",
        exists=True,
        dir_okay=False,
    ),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _node_settings(config: Path | None) -> NodeSettings:
    try:
        return NodeSettings.load(config)
    except ConfigError as error:
        raise _fail(f"configuration error: {error}") from error


def _federation_settings(config: Path | None) -> FederationSettings:
    try:
        return FederationSettings.load(config)
    except ConfigError as error:
        raise _fail(f"configuration error: {error}") from error


FederationFlag = Annotated[
    bool, typer.Option("--federation", help="The federation's accounts, not a node's.")
]


def _accounts(config: Path | None, federation: bool) -> tuple[Accounts, Callable[[str], bool]]:
    """The accounts of the configured process, and how to tell whether a structure exists."""
    if federation:
        from drais.database import engine_for

        settings = _federation_settings(config)
        return Accounts(engine_for(settings.database_url), FEDERATION_ROLES), lambda _s: False
    from node.bootstrap import build_node
    from node.domain.errors import DomainError

    node = build_node(_node_settings(config))

    def structure_exists(structure_id: str) -> bool:
        try:
            node.app.get_structure(structure_id)
        except DomainError:
            return False
        return True

    return node.accounts, structure_exists


def _account_change(change: Callable[[], T]) -> T:
    try:
        return change()
    except AccountError as error:
        raise _fail(f"{error.field}: {error.reason}") from error


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Argument(help="Lower-case login, e.g. amina.bennani.")],
    role: Annotated[
        str, typer.Option(help="admin, operator, structure or viewer (federation: admin, viewer).")
    ],
    structure: Annotated[
        str | None, typer.Option(help="For the structure role: the support structure's id.")
    ] = None,
    config: ConfigOption = None,
    federation: FederationFlag = False,
) -> None:
    """Create a user (the first admin too); the password is asked twice, never echoed."""
    accounts, structure_exists = _accounts(config, federation)
    if structure is not None and not structure_exists(structure):
        raise _fail(f"structure: no support structure {structure} in this node")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    _account_change(lambda: accounts.create_user(login, password, role, structure))
    typer.echo(f"user {login.strip().lower()} created with role {role}")


@users_app.command("password")
def users_password(
    login: str, config: ConfigOption = None, federation: FederationFlag = False
) -> None:
    """Set a user's password (asked twice, never echoed)."""
    accounts, _ = _accounts(config, federation)
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    _account_change(lambda: accounts.set_password(login, password))
    typer.echo(f"password of {login} changed")


@users_app.command("disable")
def users_disable(
    login: str, config: ConfigOption = None, federation: FederationFlag = False
) -> None:
    """Deactivate a user: no more login, and none of their tokens works."""
    accounts, _ = _accounts(config, federation)
    _account_change(lambda: accounts.set_active(login, False))
    typer.echo(f"user {login} disabled")


@users_app.command("list")
def users_list(config: ConfigOption = None, federation: FederationFlag = False) -> None:
    """Every user with their role, and every API token (never the token itself)."""
    accounts, _ = _accounts(config, federation)
    for user in accounts.users():
        state = "active" if user["active"] else "disabled"
        where = f" structure={user['structure_id']}" if user["structure_id"] else ""
        typer.echo(f"{user['login']}\t{user['role']}\t{state}{where}")
    for token in accounts.tokens():
        revoked = f" revoked {token['revoked_at']:%Y-%m-%d}" if token["revoked_at"] else ""
        typer.echo(f"token {token['token_id']}\t{token['login']}\t{token['label']}{revoked}")


@users_app.command("token")
def users_token(
    login: str,
    label: Annotated[str, typer.Option(help="What the token is for, e.g. 'import script'.")],
    config: ConfigOption = None,
    federation: FederationFlag = False,
) -> None:
    """Issue an API token for a user; it is printed once and stored only as a digest."""
    accounts, _ = _accounts(config, federation)
    token_id, token = _account_change(lambda: accounts.issue_token(login, label))
    typer.echo(f"token {token_id} for {login} (shown once, keep it safe):", err=True)
    typer.echo(token)


@users_app.command("revoke")
def users_revoke(
    token_id: str, config: ConfigOption = None, federation: FederationFlag = False
) -> None:
    """Revoke an API token by its id (see `drais users list`)."""
    accounts, _ = _accounts(config, federation)
    _account_change(lambda: accounts.revoke_token(token_id))
    typer.echo(f"token {token_id} revoked")


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@node_app.command("serve")
def node_serve(config: ConfigOption = None) -> None:
    """Serve the node's web UI and JSON API."""
    import uvicorn

    from node.api.app import create_api
    from node.bootstrap import build_node

    settings = _node_settings(config)
    _logging()
    node = build_node(settings)
    token_note = (
        "from DRAIS_API_TOKEN"
        if settings.api_token
        else f"in {Path(str(settings.data_dir)) / 'api_token'}"
    )
    typer.echo(
        f"DRAIS node {settings.region} ({settings.region_name}) on "
        f"http://{settings.host}:{settings.port}/  — API docs at /docs, token {token_note}"
    )
    try:
        uvicorn.run(create_api(node), host=settings.host, port=settings.port, log_level="info")
    finally:
        node.close()


@node_app.command("rebuild-projections")
def node_rebuild(config: ConfigOption = None) -> None:
    """Drop the regional read models and rebuild them from the event log."""
    from node.bootstrap import build_node

    node = build_node(_node_settings(config))
    try:
        count = node.projector.rebuild()
        typer.echo(f"rebuilt the read models of {node.settings.region} from {count} events")
    finally:
        node.close()


@app.command("demo")
def demo(
    regions: Annotated[int, typer.Option(min=1, max=12, help="How many regional nodes.")] = 3,
    port: Annotated[int, typer.Option(help="Port of the national federation.")] = 8100,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where everything is kept (default: a fresh folder).")
    ] = None,
) -> None:
    """Run the whole system on this machine: NATS, the federation and N regional nodes."""
    from drais.demo import Demo, default_data_dir, stop_on_signals

    stop_on_signals()
    folder = data_dir or default_data_dir()
    typer.echo(f"DRAIS demo in {folder}")
    system = Demo(folder, regions=regions, port=port, say=typer.echo)
    try:
        manifest = system.start()
        typer.echo("waiting for the regions' history to reach the federation…")
        system.wait_forwarded()
        typer.echo("")
        national = manifest["federation"]["url"]
        typer.echo(f"national dashboard (public): {national}/  API: {national}/api/v1")
        typer.echo(f"{'URL':<28}{'login':<12}password (the admin's is also its API token)")
        for user in manifest["users"]:
            typer.echo(f"{user['where']:<28}{user['login']:<12}{user['password']}")
        typer.echo(f"\nmanifest: {folder / 'demo.json'} — Ctrl-C stops everything")
        system.serve()
    except KeyboardInterrupt:
        typer.echo("stopping…")
    except Exception as error:
        raise _fail(f"the demo could not start: {error}", 1) from error
    finally:
        system.stop()
    typer.echo("demo stopped")


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(help="A .csv or .xlsx file with the template's French headers.")
    ],
    kind: Annotated[
        str, typer.Option("--kind", "-k", help="members, structures, initiatives or beneficiaries.")
    ],
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and record nothing.")
    ] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Rows recorded per atomic batch.")
    ] = 250,
    by: Annotated[
        str | None, typer.Option(help="Who records the rows (default: your login name).")
    ] = None,
) -> None:
    """Import a spreadsheet into the node: every bad row is printed and nothing is recorded
    (exit 1), or every row is recorded in batches through the node's use cases."""
    import getpass

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from node import importing
    from node.bootstrap import build_node
    from ui.i18n import translator
    from ui.import_messages import labels, problem_message, unreadable_message

    tr = translator()
    if kind not in {k.value for k in importing.Kind}:
        raise _fail(f"unknown kind {kind!r}: {', '.join(k.value for k in importing.Kind)}")
    if not file.is_file():
        raise _fail(f"{file}: no such file")
    try:
        table = importing.read_table(file.name, file.read_bytes())
    except importing.UnreadableFile as error:
        raise _fail(f"{file}: {unreadable_message(tr, error)}") from error
    node = build_node(_node_settings(config))
    console = Console(stderr=True)
    try:
        plan = importing.check(node, kind, table, labels(tr))
        if plan.problems:
            for problem in plan.problems:
                column = f", colonne « {problem.column} »" if problem.column else ""
                value = f", valeur « {problem.value} »" if problem.value else ""
                typer.echo(
                    f"{file.name}: ligne {problem.line}{column}{value} : "
                    f"{problem_message(tr, problem)}",
                    err=True,
                )
            lines = len(plan.bad_lines())
            raise _fail(f"{lines} bad row(s) in {file.name}; nothing was recorded", 1)
        if dry_run:
            typer.echo(f"{plan.rows} row(s) checked, no problem; nothing recorded (dry run)")
            return
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task(f"import {file.name}", total=plan.rows)
            applied = importing.apply(
                node,
                plan,
                User(by or getpass.getuser(), ADMIN),  # whoever holds the node's files
                batch_size=batch_size,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
    except importing.ImportRefused as error:
        for problem in error.problems:
            typer.echo(f"ligne {problem.line} : {problem_message(tr, problem)}", err=True)
        raise _fail("the file no longer passes its checks; nothing was recorded", 1) from error
    except importing.ImportInterrupted as error:
        raise _fail(
            f"stopped at line {error.problem.line}: {problem_message(tr, error.problem)} "
            f"({error.applied_rows} row(s) recorded before it)",
            1,
        ) from error
    finally:
        node.close()
    typer.echo(
        f"imported {applied.rows} row(s) of {kind} from {file.name} into {node.settings.region}: "
        f"{applied.commands} command(s) in {applied.batches} batch(es)"
    )


@federation_app.command("serve")
def federation_serve(config: ConfigOption = None) -> None:
    """Consume the regions' stream and serve the national indicators."""
    import uvicorn

    from federation.api import create_api
    from federation.service import open_federation

    settings = _federation_settings(config)
    _logging()
    federation = open_federation(settings)
    typer.echo(
        f"DRAIS federation on http://{settings.host}:{settings.port}/ — consuming "
        f"{settings.nats_url}"
    )
    try:
        uvicorn.run(create_api(federation), host=settings.host, port=settings.port)
    finally:
        federation.engine.dispose()


@federation_app.command("rebuild-projections")
def federation_rebuild(
    config: ConfigOption = None,
    from_stream: Annotated[
        bool, typer.Option(help="Replay the NATS stream instead of the national log.")
    ] = False,
) -> None:
    """Rebuild the national projections from the national log (or from the stream)."""
    import asyncio

    from federation.service import open_federation

    federation = open_federation(_federation_settings(config))
    try:
        if from_stream:
            outcome = asyncio.run(federation.rebuild_from_stream())
            typer.echo(f"replayed {outcome['messages']} stream messages: {outcome}")
        else:
            typer.echo(f"rebuilt the projections from {federation.rebuild_projections()} events")
    finally:
        federation.engine.dispose()


@federation_app.command("admit")
def federation_admit(
    file: Annotated[Path, typer.Argument(help="The region's public file (JSON).")],
    config: ConfigOption = None,
) -> None:
    """Admit a region: accept messages signed with its key and, when the settings name the
    NATS server configuration, let its NATS user publish (the file is regenerated and the
    server reloaded)."""
    from federation.admission import (
        AdmissionError,
        admit,
        federation_nats_user,
        read_card,
        update_nats_server,
    )
    from federation.service import open_federation

    settings = _federation_settings(config)
    try:
        card = read_card(file)
        if settings.nats_server_config is not None:  # refuse before admitting, not after
            if card.nats_user is None:
                raise AdmissionError(f"{file} has no nats_user: the region cannot connect")
            if card.nats_user == federation_nats_user(settings):
                raise AdmissionError(f"{file}: nats_user is the federation's own NATS user")
    except AdmissionError as error:
        raise _fail(str(error)) from error
    federation = open_federation(settings)
    try:
        new = admit(federation.engine, card)
        update = update_nats_server(settings, federation.engine)
    except AdmissionError as error:
        raise _fail(str(error)) from error
    finally:
        federation.engine.dispose()
    verb = "admitted" if new else "re-keyed"
    nats_user = f", NATS user {card.nats_user}" if card.nats_user else ""
    typer.echo(f"{verb} {card.region} ({card.name}), signing key {card.kid}{nats_user}")
    if update is None:
        if card.nats_user:
            typer.secho(
                "nats_server_config is not set: the NATS server configuration was not "
                f"regenerated; {card.nats_user} needs publish rights on drais.v1.{card.region}.>",
                fg=typer.colors.YELLOW,
                err=True,
            )
        return
    users = ", ".join(update.regions) or "no region"
    typer.echo(f"wrote {update.config}: NATS users of {users} and the federation")
    if update.reloaded_pid is not None:
        typer.echo(f"reloaded nats-server (pid {update.reloaded_pid})")
        return
    typer.secho(
        f"no NATS server was reloaded ({update.problem}): the region cannot connect until "
        "the server re-reads its configuration (`kill -HUP <pid>`, or "
        "`nats-server --signal reload=<pid>`)",
        fg=typer.colors.YELLOW,
        err=True,
    )
    if settings.nats_server_pid_file is not None:
        raise typer.Exit(1)


@federation_app.command("contract")
def federation_contract(
    docs: Annotated[
        bool, typer.Option(help="Markdown for readers instead of JSON Schema.")
    ] = False,
) -> None:
    """Print the wire contract as JSON Schema (or as Markdown with --docs)."""
    import json

    from federation import contract

    typer.echo(contract.markdown() if docs else json.dumps(contract.json_schema(), indent=2))


@region_app.command("init")
def region_init(
    slug: Annotated[
        str, typer.Argument(help="The region's folder under deploy/regions/ (e.g. souss-massa).")
    ],
    code: Annotated[str, typer.Option("--code", help="The region code, MA-01 … MA-12.")],
    name: Annotated[
        str | None, typer.Option("--name", help="The region's name (default: the official one).")
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root", help="The folder that holds deploy/regions/ (default: here).", file_okay=False
        ),
    ] = None,
) -> None:
    """Create (or complete) deploy/regions/SLUG/ from the template, with the region's secrets
    generated here, and print the public card for the national administrator."""
    import json

    from drais.regions import RegionInitError, init_region

    base = root if root is not None else Path.cwd()
    try:
        region = init_region(base, slug, code, name)
    except RegionInitError as error:
        raise _fail(str(error)) from error
    where = region.path.relative_to(base) if root is None else region.path
    state = "created" if region.created else "completed" if region.added else "checked"
    typer.echo(f"{state} {where} for {region.code} ({region.name})")
    for path in region.added:
        typer.echo(f"  + {path}")
    for path in region.kept:
        typer.echo(f"  = {path} (kept)")
    for note in region.notes:
        typer.secho(f"  ! {note}", fg=typer.colors.YELLOW)
    typer.echo("")
    typer.echo(json.dumps(region.public_card(), indent=2, ensure_ascii=False))
    typer.echo("")
    typer.echo(
        f"Send {where / region.card.name} (the card above, and nothing else) to the national "
        f"administrator, who runs:\n  drais federation admit {region.card.name}\n"
        f"Never send nor commit {where / 'secrets'}/ (git ignores it).\n"
        f"Next: set nats_url in {where / region.config.name}, then\n"
        f"  drais node serve --config {where / region.config.name}"
    )


if __name__ == "__main__":
    app()
