"""How handlers declare what they take: the node (injected), a posted form, path and query values.

Explicit markers (Litestar ≥ 2.23) rather than inference, which Litestar 3 drops.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body

from node.bootstrap import Node

NodeDep = NamedDependency[Node]
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
