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
