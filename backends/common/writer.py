"""Render a ProjectView into a project folder, safely.

The project is written to a temporary folder next to the destination and moved into
place at the end, so an interrupted write never leaves a half-written project that looks
complete. An existing destination is replaced only when hlsflow created it (it holds the
``.hlsflow`` marker) or when ``force`` is given.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from hlsflow.errors import HlsflowError

MARKER = ".hlsflow"


class OutputDirError(HlsflowError, ValueError):
    """The output folder cannot be used; says why and how to proceed."""


def templates_root() -> Path:
    return Path(str(resources.files("hlsflow.templates")))


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs (keyed by the template's source checksum, so
    an entry is never stale); a cache folder that cannot be read or written is skipped."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            pass

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _template_cache() -> jinja2.BytecodeCache | None:
    """``$XDG_CACHE_HOME/hlsflow/templates`` (default ``~/.cache/...``), if it can be made."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hlsflow" / "templates"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(root))


def make_env(filters: dict[str, Any]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_root())),
        bytecode_cache=_template_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(filters)
    env.filters.setdefault("array_body", array_body)
    return env


def array_body(values: Iterable[int], per_row: int, indent: int = 4) -> str:
    """The lines of an array initialiser: ``per_row`` integers a line, separated by
    ``", "`` and followed by a comma, every line indented and ending in a newline.
    Formats whole blocks of rows with one ``%`` so that million-element arrays take a
    fraction of a second."""
    vals = tuple(int(v) for v in values) if not isinstance(values, tuple) else values
    pad = " " * indent
    n = len(vals)
    full = n - n % per_row
    line = pad + ", ".join(["%d"] * per_row) + ",\n"
    out = [line * (full // per_row) % vals[:full]] if full else []
    if n > full:
        out.append(pad + ", ".join(str(int(v)) for v in vals[full:]) + ",\n")
    return "".join(out)


def _leftovers(out: Path, kind: str) -> list[Path]:
    """``.<name>.<kind>-*`` folders next to ``out`` (oldest first): staging folders
    (``tmp``) and moved-aside previous projects (``old``) of writes that were killed."""
    return sorted(out.parent.glob(f".{out.name}.{kind}-*"), key=lambda p: p.stat().st_mtime)


def recover_interrupted(out: Path) -> bool:
    """Put the previous project back when a write was killed in the instant between moving
    it aside and moving the new one in (``out`` missing, an hlsflow project in
    ``.<name>.old-*``). Returns True when it restored one."""
    if out.exists() or not out.parent.is_dir():
        return False
    olds = [p for p in _leftovers(out, "old") if (p / MARKER).is_file()]
    if not olds:
        return False
    olds[-1].rename(out)
    return True


def _remove_leftovers(out: Path) -> None:
    """Delete what killed writes to ``out`` left behind (one writer per folder at a time)."""
    for kind in ("tmp", "old"):
        for p in _leftovers(out, kind):
            shutil.rmtree(p, ignore_errors=True)


def check_destination(out: Path, force: bool) -> None:
    recover_interrupted(out)
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists() and not force:
        raise OutputDirError(
            f"{out} is not empty and was not created by hlsflow; choose another output folder or pass force=True (--force)"
        )


def atomic_replace(staging: Path, out: Path) -> None:
    """Move a finished ``staging`` folder to ``out``, replacing what was there."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        old.rmdir()
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    _remove_leftovers(out)


def staging_dir(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))


def copy_tree(src: Path, dst: Path, patterns: tuple[str, ...] = ("*.h",)) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for pat in patterns:
        for f in sorted(src.glob(pat)):
            shutil.copy2(f, dst / f.name)
