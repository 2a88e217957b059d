"""The pass protocol: a pass is a frozen dataclass whose fields are its options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from hlsflow.config import Config
    from hlsflow.ir.graph import Graph


@dataclass
class PassContext:
    """What passes may read (the config, optional calibration data) and write (the log).

    ``log`` collects one human-readable line per notable decision (a weight clipped, a
    batch-norm folded), shown by ``hlsflow convert`` and kept in the project report.
    """

    config: Config
    log: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        self.log.append(message)


@dataclass(frozen=True)
class Pass:
    """Subclasses set ``name`` (kebab-case) and implement ``apply``; return True when
    the graph changed. A pass never writes files or C++; it must leave a graph that
    verifies."""

    name: ClassVar[str] = "pass"

    def apply(self, graph: Graph, ctx: PassContext) -> bool:
        raise NotImplementedError
