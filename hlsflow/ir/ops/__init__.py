"""IR operations, one per module. ``OPS`` maps op names to classes (explicit, no scanning)."""

from __future__ import annotations

from hlsflow.ir.ops.base import Op, OpError
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.input import Input

OPS: dict[str, type[Op]] = {cls.name: cls for cls in (Input, Dense)}

__all__ = ["OPS", "Dense", "Input", "Op", "OpError"]
