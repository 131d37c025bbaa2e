"""The `drais` command: one entry point for every process and operator task."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from drais.config import ConfigError, FederationSettings, NodeSettings

app = typer.Typer(help="DRAIS: regional social-innovation support system.", no_args_is_help=True)
node_app = typer.Typer(help="Run and maintain a regional node.", no_args_is_help=True)
app.add_typer(node_app, name="node")
federation_app = typer.Typer(help="Run the national federation.", no_args_is_help=True)
app.add_typer(federation_app, name="federation")

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
    """Admit a region: accept messages signed with its key."""
    from federation.admission import AdmissionError, admit, read_card
    from federation.service import open_federation

    try:
        card = read_card(file)
    except AdmissionError as error:
        raise _fail(str(error)) from error
    federation = open_federation(_federation_settings(config))
    try:
        new = admit(federation.engine, card)
    finally:
        federation.engine.dispose()
    verb = "admitted" if new else "re-keyed"
    typer.echo(f"{verb} {card.region} ({card.name}), signing key {card.kid}")


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


if __name__ == "__main__":
    app()
