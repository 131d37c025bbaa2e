"""How handlers declare what they take: the node (injected), a posted form, path and query values.

Explicit markers (Litestar ≥ 2.23) rather than inference, which Litestar 3 drops.
"""

from __future__ import annotations

from litestar.di import NamedDependency

from node.bootstrap import Node
from ui.params import FormData

NodeDep = NamedDependency[Node]
__all__ = ["FormData", "NodeDep"]
