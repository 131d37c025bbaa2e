"""The `drais` command: one entry point for every process and operator task."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from drais.config import ConfigError, NodeSettings

app = typer.Typer(help="DRAIS: regional social-innovation support system.", no_args_is_help=True)
node_app = typer.Typer(help="Run and maintain a regional node.", no_args_is_help=True)
app.add_typer(node_app, name="node")

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


def _node_settings(config: Path | None) -> NodeSettings:
    try:
        return NodeSettings.load(config)
    except ConfigError as error:
        typer.secho(f"configuration error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from error


@node_app.command("serve")
def node_serve(config: ConfigOption = None) -> None:
    """Serve the node's web UI and JSON API."""
    import uvicorn

    from node.api.app import create_api
    from node.bootstrap import build_node

    settings = _node_settings(config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
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


if __name__ == "__main__":
    app()
