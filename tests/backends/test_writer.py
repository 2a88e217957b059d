"""Project writer: layout, safety of existing folders, atomic replacement."""

from __future__ import annotations

import numpy as np
import pytest
from hlsflow.backends.common.writer import OutputDirError

from hlsflow.config import Config
from hlsflow.ir import Constant, FixedType, Graph, TensorType
from hlsflow.ir.ops.dense import Dense
from hlsflow.project import Project


def _prj(name: str = "wtest") -> Project:
    g = Graph("m")
    x = g.add_input("x", TensorType((3,), FixedType(8, 3)))
    d = g.add_node(Dense(2), [x], name="fc", params={"kernel": Constant.from_array(np.array([[0.5, 0], [0.25, -1], [0, 2]])).quantize(FixedType(4, 2))})
    g.set_outputs([d.output])
    return Project(g, Config(project_name=name))


def test_layout(tmp_path) -> None:
    out = _prj().write(tmp_path / "p", tb_inputs=np.ones((3, 3)))
    for rel in (
        "firmware/wtest.cpp",
        "firmware/wtest.h",
        "firmware/defines.h",
        "firmware/parameters.h",
        "firmware/weights/fc_w.h",
        "firmware/nnet/dense.h",
        "firmware/hlsflow_types.h",
        "tb/wtest_test.cpp",
        "tb_data/tb_input_features.dat",
        "tb_data/tb_output_predictions.dat",
        "build_prj.tcl",
        "hlsflow_config.yml",
        "README.md",
        ".hlsflow",
    ):
        assert (out / rel).exists(), rel
    assert "set_part {xcvu13p-flga2577-2-e}" in (out / "build_prj.tcl").read_text()
    assert "-flow_target vivado" in (out / "build_prj.tcl").read_text()  # vitis default
    # zero weights are absent from the weight array: 4 non-zero of 6
    assert "static const int8_t fc_w[4]" in (out / "firmware/weights/fc_w.h").read_text()


def test_refuses_foreign_folder_and_keeps_it(tmp_path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(OutputDirError, match="not created by hlsflow"):
        _prj().write(mine)
    assert (mine / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no staging left behind


def test_rewrite_replaces_own_project_and_failure_keeps_previous(tmp_path, monkeypatch) -> None:
    out = tmp_path / "p"
    _prj().write(out)
    (out / "firmware" / "stale.h").write_text("old")
    _prj().write(out)  # hlsflow's own folder: replaced atomically
    assert not (out / "firmware" / "stale.h").exists()
    before = (out / "firmware" / "wtest.cpp").read_text()

    import hlsflow.backends.common.backend as be

    def boom(*a, **k):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(be, "_write_dat", boom)
    with pytest.raises(RuntimeError, match="simulated"):
        _prj().write(out, tb_inputs=np.ones((2, 3)))
    assert (out / "firmware" / "wtest.cpp").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


# A child process writes a second project into the folder and is killed with SIGKILL at a
# chosen point; hooks are installed with monkeypatching inside the child only.
_CHILD = """
import os, signal, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, {tests!r})
from test_writer import _prj
import hlsflow.backends.common.backend as be
import hlsflow.backends.common.writer as wr

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if {where!r} == "staging":  # half-way through writing the new project's files
    real = be._write_dat
    def hook(*a, **k):
        real(*a, **k)
        die()
    be._write_dat = hook
else:  # after the previous project was moved aside, before the new one is moved in
    real_rename = Path.rename
    calls = []
    def rename(self, target):
        calls.append(target)
        if len(calls) == 2:
            die()
        return real_rename(self, target)
    Path.rename = rename
_prj().write({out!r}, tb_inputs=np.ones((2, 3)))
"""


def _tree(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("where", ["staging", "between-renames"])
def test_write_killed_halfway_keeps_the_previous_project(tmp_path, where: str) -> None:
    import signal
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "p"
    _prj().write(out)
    before = _tree(out)
    script = _CHILD.format(tests=str(Path(__file__).parent), where=where, out=str(out))
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert res.returncode == -signal.SIGKILL, res.stderr
    if where == "staging":
        assert _tree(out) == before  # untouched, byte for byte
        assert [p.name.startswith(".p.tmp-") for p in tmp_path.iterdir() if p.name != "p"] == [True]
    else:
        assert not out.exists()  # killed in the instant between the two renames ...
        _prj().write(tmp_path / "other")  # (an unrelated write does not touch it)
        from hlsflow.backends.common.writer import recover_interrupted

        assert recover_interrupted(out) and _tree(out) == before  # ... the previous project is whole
    # the next write to the folder succeeds and clears what the killed one left behind
    _prj().write(out, tb_inputs=np.ones((2, 3)))
    assert (out / "tb_data" / "tb_input_features.dat").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".p.")]
