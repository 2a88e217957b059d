"""The workflow pages in docs/ run as written, block by block in page order, from a scratch
folder that looks like the repository root: Python blocks in one persistent interpreter
(later blocks see earlier blocks' names, as a reader following the page would), each shell
block as one `bash -e` script. A shell block preceded by `<!-- expect-exit: N -->` must
exit with N. Lines that need a vendor tool (`hlsflow build`, `source <vendor settings>`)
and benchmark runs (`bench/`, minutes each, run by the bench itself) are left out here;
the drivers behind the vendor lines are tested with fake tools in tests/backends."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FENCE = re.compile(r"(?:<!-- expect-exit: (\d+) -->\n)?^```(\w+)\n(.*?)^```", re.M | re.S)
#: lines that need a vendor tool installed, or that run a benchmark
SKIP = re.compile(r"^\s*(source\s|\S*hlsflow build\b|.*\bbench/)")
DONE = "#--hlsflow-doc-block-done--"
#: runs Python blocks sent on stdin (each ended by a DONE line) in one namespace
DRIVER = f"""
import sys
ns = {{"__name__": "__main__"}}
buf = []
for line in sys.stdin:
    if line.rstrip("\\n") == {DONE!r}:
        exec(compile("".join(buf), "<doc block>", "exec"), ns)
        buf = []
        print({DONE!r}, flush=True)
    else:
        buf.append(line)
"""

#: page -> (modules it needs, extra marks)
PAGES: dict[str, tuple[tuple[str, ...], tuple[pytest.MarkDecorator, ...]]] = {
    "catapult.md": (("tensorflow", "hls4ml"), (pytest.mark.csim, pytest.mark.keras)),
    "onnx-pytorch.md": (("torch", "onnx", "onnxruntime"), (pytest.mark.csim, pytest.mark.torch)),
    "keras-qkeras.md": (("tensorflow", "qkeras"), (pytest.mark.csim, pytest.mark.keras)),
    "diagnostics.md": (("tensorflow",), (pytest.mark.keras,)),
    "vendor-synthesis.md": (("tensorflow",), (pytest.mark.keras,)),
    "pruning.md": (("tensorflow", "qkeras"), (pytest.mark.csim, pytest.mark.keras, pytest.mark.slow)),
}


def blocks(page: str) -> list[tuple[str, str, int]]:
    """``docs/<page>``'s runnable blocks in page order: (language, code, expected exit)."""
    out = []
    for expect, lang, body in FENCE.findall((ROOT / "docs" / page).read_text()):
        if lang == "python":
            out.append(("python", body, 0))
        elif lang in ("bash", "sh"):
            script = "\n".join(ln for ln in body.splitlines() if not SKIP.match(ln))
            if script.strip():
                out.append(("bash", script, int(expect or 0)))
    return out


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def _workdir(tmp: Path) -> Path:
    """A scratch folder that looks like the repository root to the docs (example-models,
    bench and docs linked in), so the pages' outputs (build/, *.yml) stay out of the tree."""
    for name in ("example-models", "bench", "docs"):
        (tmp / name).symlink_to(ROOT / name)
    (tmp / "build").mkdir()
    return tmp


class _Python:
    """One interpreter for all of a page's Python blocks."""

    def __init__(self, cwd: Path) -> None:
        self.log = cwd / "python-blocks.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-c", DRIVER], cwd=cwd, env=_env(), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log.open("w"),
        )

    def run(self, code: str) -> tuple[bool, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(code + f"\n{DONE}\n")
        self.proc.stdin.flush()
        seen = []
        for line in self.proc.stdout:
            if line.rstrip("\n") == DONE:
                return True, "".join(seen)
            seen.append(line)
        return False, "".join(seen) + self.log.read_text()  # the block raised: the driver exited

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.mark.parametrize("page", [pytest.param(p, marks=marks) for p, (_, marks) in PAGES.items()])
def test_page_runs_as_written(page: str, tmp_path: Path) -> None:
    for mod in PAGES[page][0]:
        pytest.importorskip(mod)
    cwd = _workdir(tmp_path)
    runnable = blocks(page)
    assert runnable, f"{page} has no runnable block"
    py = _Python(cwd)
    try:
        for i, (lang, code, expect) in enumerate(runnable):
            if lang == "python":
                ok, out = py.run(code)
                assert ok, f"{page}: Python block {i} failed:\n{code}\n{out[-4000:]}"
            else:
                res = subprocess.run(
                    ["bash", "-e", "-c", code.replace(".venv/bin/", f"{BIN}/")],
                    cwd=cwd, env=_env(), capture_output=True, text=True, timeout=1800,
                )
                assert res.returncode == expect, (
                    f"{page}: block {i} exit {res.returncode} (expected {expect}):\n{code}\n"
                    f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
                )
    finally:
        py.close()


def test_the_block_runner_sees_failures(tmp_path: Path) -> None:
    """The runner itself: names persist across blocks, and a raising block is reported."""
    py = _Python(tmp_path)
    try:
        assert py.run("a = 41") == (True, "")
        assert py.run("print(a + 1)") == (True, "42\n")
        ok, out = py.run("raise ValueError('doc is wrong')")
        assert not ok and "doc is wrong" in out
    finally:
        py.close()
