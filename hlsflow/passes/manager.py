"""Pass manager: named pipelines, option parsing, verify after every pass, timing, IR dumps.

A pipeline is text: ``"remove-identity,fold-batchnorm,infer-precision"``; a pass's
options go in braces, ``"infer-precision{...}"`` (fields of the pass dataclass). Named
pipelines (``default``, ``float``) expand to such text.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hlsflow.errors import HlsflowError
from hlsflow.ir.graph import Graph, IRError
from hlsflow.passes.base import Pass, PassContext
from hlsflow.passes.conv_to_pointwise import ConvToPointwise
from hlsflow.passes.eliminate_dead_code import EliminateDeadCode
from hlsflow.passes.fold_batchnorm import FoldBatchNorm
from hlsflow.passes.fuse_quantize import FuseQuantize
from hlsflow.passes.infer_precision import InferPrecision
from hlsflow.passes.remove_identity import RemoveIdentity

PASSES: dict[str, type[Pass]] = {
    cls.name: cls
    for cls in (RemoveIdentity, FoldBatchNorm, ConvToPointwise, InferPrecision, FuseQuantize, EliminateDeadCode)
}

PIPELINES: dict[str, str] = {
    # Structural clean-up only: the graph keeps float types (for config generation and
    # the float reference).
    "float": "remove-identity,fold-batchnorm,conv-to-pointwise,eliminate-dead-code",
    # What `hlsflow convert` runs.
    "default": "remove-identity,fold-batchnorm,conv-to-pointwise,eliminate-dead-code,infer-precision,fuse-quantize",
}


class PassError(HlsflowError, RuntimeError):
    """A pass failed or left an invalid graph; names the pass and those before it."""


@dataclass(frozen=True)
class PassRecord:
    name: str
    seconds: float
    changed: bool


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside braces or angle brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "{<":
            depth += 1
        elif ch in "}>":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _coerce(value: str, annotation: object) -> object:
    ann = str(annotation)
    if "bool" in ann:
        return value.lower() in ("1", "true", "yes")
    if "int" in ann:
        return int(value)
    if "float" in ann:
        return float(value)
    return value


def parse_pipeline(text: str) -> list[Pass]:
    """Parse pipeline text or a pipeline name into pass instances."""
    text = PIPELINES.get(text.strip(), text)
    passes: list[Pass] = []
    for item in _split_top(text):
        name, _, opts = item.partition("{")
        name = name.strip()
        if name not in PASSES:
            raise PassError(f"unknown pass {name!r}; known passes: {', '.join(PASSES)}; pipelines: {', '.join(PIPELINES)}")
        cls = PASSES[name]
        kwargs: dict[str, object] = {}
        if opts:
            fields = {f.name: f.type for f in dataclasses.fields(cls)}
            for kv in _split_top(opts.rstrip("}")):
                k, _, v = kv.partition("=")
                k = k.strip()
                if k not in fields:
                    raise PassError(f"pass {name!r} has no option {k!r}; options: {', '.join(fields) or 'none'}")
                kwargs[k] = _coerce(v.strip(), fields[k])
        passes.append(cls(**kwargs))  # type: ignore[arg-type]
    return passes


class PassManager:
    """Runs passes in order; verifies after each; records timing; optionally dumps IR."""

    def __init__(
        self,
        passes: list[Pass] | str,
        verify: bool = True,
        dump_dir: str | Path | None = None,
        on_pass: Callable[[PassRecord], None] | None = None,
    ) -> None:
        self.passes = parse_pipeline(passes) if isinstance(passes, str) else list(passes)
        self.verify = verify
        self.dump_dir = Path(dump_dir) if dump_dir is not None else None
        self.on_pass = on_pass

    def run(self, graph: Graph, ctx: PassContext) -> list[PassRecord]:
        records: list[PassRecord] = []
        if self.dump_dir is not None:
            self.dump_dir.mkdir(parents=True, exist_ok=True)
            (self.dump_dir / "00-input.ir").write_text(str(graph) + "\n")
        for i, p in enumerate(self.passes, 1):
            before = ", ".join(r.name for r in records) or "none"
            t0 = time.perf_counter()
            try:
                changed = bool(p.apply(graph, ctx))
            except (IRError, ValueError, KeyError) as exc:
                raise PassError(f"pass {p.name!r} failed: {exc} (passes run before it: {before})") from exc
            if self.verify:
                try:
                    graph.verify()
                except IRError as exc:
                    raise PassError(f"pass {p.name!r} left an invalid graph: {exc} (passes run before it: {before})") from exc
            rec = PassRecord(p.name, time.perf_counter() - t0, changed)
            records.append(rec)
            if self.dump_dir is not None:
                (self.dump_dir / f"{i:02d}-{p.name}.ir").write_text(str(graph) + "\n")
            if self.on_pass is not None:
                self.on_pass(rec)
        return records
