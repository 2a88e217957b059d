"""Catapult backend: ac_fixed projects C-simulate bit for bit like the emulator (own ac
headers and the official ac_types headers from the hls4ml wheel), vitis and catapult
projects of the same model agree, and the Catapult driver / report parser work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from csim_helpers import assert_csim_matches, conv3x3, csim_inputs, narrow, sparse_const

from hlsflow.config import Config, ConfigError
from hlsflow.ir import FixedType, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.flatten import Flatten
from hlsflow.ir.ops.merge import Merge
from hlsflow.ir.ops.pool import Pool
from hlsflow.ir.ops.softmax import Softmax
from hlsflow.ir.types import Overflow, Rounding
from hlsflow.project import Project


def _graph(seed: int) -> Graph:
    """conv2d -> tanh (table) -> max pool -> flatten -> two dense branches (one relu,
    one sigmoid table) -> add -> softmax; narrowed outputs use assorted AC modes."""
    rng = np.random.default_rng(seed)
    g = Graph("cat")
    x = g.add_input("x", TensorType((6, 6, 2), FixedType(10, 4)))
    c = conv3x3(g, x, rng, 3, FixedType(11, 4, True, Rounding.RND, Overflow.SAT)).output
    t = g.add_node(Activation("tanh"), [c], name="tanh").output
    mp = g.add_node(Pool("max", (2, 2), (2, 2), "valid"), [t], name="pool")
    p = narrow(g, mp, FixedType(9, 2, True, Rounding.RND_CONV, Overflow.SAT_SYM))
    f = g.add_node(Flatten(), [p], name="flat").output
    d1 = g.add_node(
        Dense(6), [f], name="d1", params={"kernel": sparse_const(rng, (12, 6), FixedType(7, 2), 0.3), "bias": sparse_const(rng, (6,), FixedType(6, 2), 0.3)}
    )
    a1 = narrow(g, d1, FixedType(10, 3, True, Rounding.RND_ZERO, Overflow.WRAP))
    r1 = g.add_node(Activation("relu"), [a1], name="relu").output
    d2 = g.add_node(Dense(6), [f], name="d2", params={"kernel": sparse_const(rng, (12, 6), FixedType(6, 1), 0.3)})
    a2 = narrow(g, d2, FixedType(9, 3, True, Rounding.RND_MIN_INF, Overflow.SAT_ZERO))
    s2 = g.add_node(Activation("sigmoid"), [a2], name="sig").output
    m = g.add_node(Merge("add"), [r1, s2], name="add")
    mo = narrow(g, m, FixedType(10, 4, True, Rounding.RND_INF, Overflow.SAT))
    sm = g.add_node(Softmax(), [mo], name="softmax")
    g.set_outputs([sm.output])
    g.verify()
    return g


def _project(tmp_path: Path, io_type: str, backend: str = "catapult", seed: int = 1) -> Project:
    prj = Project(_graph(seed), Config(backend=backend, project_name=f"cat_{io_type}", io_type=io_type))
    prj.write(tmp_path / f"{backend}_{io_type}")
    return prj


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_csim_own_ac_headers(tmp_path: Path, io_type: str) -> None:
    prj = _project(tmp_path, io_type)
    assert (prj.output_dir / "sim" / "ac_fixed.h").exists()
    assert_csim_matches(prj, csim_inputs(prj.graph, 2))


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_csim_official_ac_headers(tmp_path: Path, ac_types: Path, io_type: str) -> None:
    prj = _project(tmp_path, io_type)
    assert_csim_matches(prj, csim_inputs(prj.graph, 3), ac_types)


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_vitis_and_catapult_agree(tmp_path: Path, io_type: str) -> None:
    x = csim_inputs(_graph(4), 5)
    cat = _project(tmp_path, io_type, "catapult", 4).csim_raw(x)
    vit = _project(tmp_path, io_type, "vitis", 4).csim_raw(x)
    for a, b in zip(cat, vit):
        assert np.array_equal(a.mant, b.mant)


def test_generated_code_is_catapult(tmp_path: Path) -> None:
    for io_type in ("io_parallel", "io_stream"):
        prj = _project(tmp_path, io_type)
        top = (prj.output_dir / "firmware" / f"cat_{io_type}.cpp").read_text()
        assert "#pragma hls_design top\nvoid cat_" in top
        assert "#pragma HLS" not in top
        defines = (prj.output_dir / "firmware" / "defines.h").read_text()
        assert "ac_fixed<11,4,true,AC_RND,AC_SAT>" in defines
        assert "ap_fixed" not in defines
        types = (prj.output_dir / "firmware" / "hlsflow_types.h").read_text()
        assert "ac_channel" in types and "hls_unroll yes" in types
    tcl = (prj.output_dir / "build_prj.tcl").read_text()
    for word in (
        "solution new -state initial",
        "solution options defaults",
        "solution file add",
        "go analyze",
        "directive set -DESIGN_HIERARCHY cat_io_stream",
        "go compile",
        "solution library add nangate-45nm_beh -- -rtlsyntool DesignCompiler -technology 045nm",
        "go libraries",
        "directive set -CLOCKS {clk {-CLOCK_PERIOD 5.0",
        "go assembly",
        "go architect",
        "go allocate",
        "go extract",
        "SCVerify",
    ):
        assert word in tcl, word


def test_technology_config(tmp_path: Path) -> None:
    cfg = Config(backend="catapult", technology="028nm", tech_library="saed32rvt_beh")
    back = Config.from_yaml(cfg.to_yaml())
    assert (back.technology, back.tech_library) == ("028nm", "saed32rvt_beh")
    assert Config.from_yaml("Backend: catapult\n").tech_library == "nangate-45nm_beh"
    with pytest.raises(ConfigError, match="TechLibrary"):
        Config.from_yaml("Backend: catapult\nTechLibrary: 'x; exec rm'\n")
    prj = Project(_graph(1), Config(backend="catapult", project_name="t", technology="028nm", tech_library="saed32rvt_beh"))
    prj.write(tmp_path / "p")
    assert "solution library add saed32rvt_beh -- -rtlsyntool DesignCompiler -technology 028nm" in (
        tmp_path / "p" / "build_prj.tcl"
    ).read_text()


FIXTURE = Path(__file__).parent / "fixtures" / "catapult_rtl.rpt"


def test_build_without_catapult_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hlsflow.backends.catapult.runner import ToolNotFoundError

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("MGC_HOME", raising=False)
    monkeypatch.delenv("CATAPULT_HOME", raising=False)
    prj = _project(tmp_path, "io_parallel")
    with pytest.raises(ToolNotFoundError, match="Catapult"):
        prj.build()


def test_build_with_fake_catapult(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import sys

    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "catapult"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, shutil, sys\n"
        "assert sys.argv[1:] == ['-shell', '-file', 'build_prj.tcl'], sys.argv\n"
        "assert 'set hlsflow_synth 1' in pathlib.Path('build_opts.tcl').read_text()\n"
        "out = pathlib.Path('cat_io_parallel_prj/cat_io_parallel.v1'); out.mkdir(parents=True, exist_ok=True)\n"
        f"shutil.copy({str(FIXTURE)!r}, out / 'rtl.rpt')\n"
        "print('# Info: Completed transformation extract')\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.delenv("MGC_HOME", raising=False)
    monkeypatch.delenv("CATAPULT_HOME", raising=False)
    prj = _project(tmp_path, "io_parallel")
    res = prj.build()
    assert res.command[1:] == ("-shell", "-file", "build_prj.tcl")
    assert "Completed transformation extract" in res.log_path.read_text()
    assert res.report is not None and res.report.latency_cycles == 9 and res.report.area == 39874.1
    # the project's report picks the Catapult report up, and so does `hlsflow build`
    synth = prj.report().synthesis
    assert synth is not None and synth["latency_cycles"] == 9 and synth["clock_period_ns"] == 5.0
    from click.testing import CliRunner

    from hlsflow.cli import main

    out = CliRunner().invoke(main, ["build", str(prj.output_dir)])
    assert out.exit_code == 0, out.output
    assert "latency 9 cycles (45 ns), throughput one input every 1 cycles, clock 5 ns, area score 39874.1" in " ".join(out.output.split())
