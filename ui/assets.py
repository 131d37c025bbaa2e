"""Where the pages' static files come from: our own stylesheet, and htmx from an installed wheel.

No asset is fetched from a CDN. htmx's JavaScript is not copied into this repository: it is
served from the `plain-htmx` distribution (a declared dependency), found through the
distribution's file list so an upgrade that moves the file keeps working. When it cannot be
found the pages carry no script and still work fully, since every form posts and redirects.
"""

from __future__ import annotations

from functools import cache
from importlib import metadata
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
HTMX_DISTRIBUTION = "plain-htmx"
HTMX_FILE = "htmx.min.js"


@cache
def htmx_script() -> Path | None:
    """The installed htmx.min.js, or None when the distribution is missing."""
    try:
        distribution = metadata.distribution(HTMX_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if file.name == HTMX_FILE:
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                return path
    return None
