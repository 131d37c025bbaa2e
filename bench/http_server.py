"""A node's API under one uvicorn worker, for the latency benchmark to call from outside.

`python -m bench.http_server --data-dir DIR --port PORT --token TOKEN`
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from drais.config import NodeSettings
from node.api.app import create_api
from node.bootstrap import build_node

REGION = "MA-09"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    node = build_node(NodeSettings(region=REGION, data_dir=args.data_dir, api_token=args.token))
    try:
        uvicorn.run(
            create_api(node), host="127.0.0.1", port=args.port, workers=1, log_level="warning"
        )
    finally:
        node.close()


if __name__ == "__main__":
    main()
