"""Numerical diagnostics: per-layer counts checked against an independent computation,
suggested precisions verified by re-emulating with them, the calibration warning,
plots and the `report --trace` command."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

import hlsflow
from hlsflow.cli import main
from hlsflow.config import Config
from hlsflow.diagnostics import Diagnostics, HlsflowPrecisionWarning, diagnose, suggest_type, write_trace_plots
from hlsflow.emulate import EmulationError, Trace, trace
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.quantize import Quantize
from hlsflow.ir.types import FixedType, FloatType, Overflow, Rounding, parse_type
from hlsflow.project import Project, convert


def _mlp(seed: int = 0, n_in: int = 8) -> Graph:
    """x -> fc1 (dense) -> relu1 -> fc2 (dense), float (as a frontend builds it)."""
    rng = np.random.default_rng(seed)
    g = Graph("m")
    x = g.add_input("x", TensorType((n_in,), FloatType()))
    k1 = rng.normal(size=(n_in, 6))
    d1 = g.add_node(
        Dense(6),
        [x],
        name="fc1",
        params={"kernel": Constant.from_array(k1), "bias": Constant.from_array(rng.normal(size=6))},
    )
    r1 = g.add_node(Activation("relu"), [d1.output], name="relu1")
    d2 = g.add_node(
        Dense(3), [r1.output], name="fc2", params={"kernel": Constant.from_array(rng.normal(size=(6, 3)) * 3)}
    )
    g.set_outputs([d2.output])
    return g


def _x(n: int = 400, seed: int = 1, n_in: int = 8) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, n_in)) * 1.5


def _cfg(**results: str) -> Config:
    cfg = Config()
    for layer, t in results.items():
        cfg.layer(layer).precision["result"] = t
    return cfg


def _prj(**results: str) -> Project:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HlsflowPrecisionWarning)
        return convert(_mlp(), config=_cfg(**results))


def _independent_overflow(exact: np.ndarray, t: FixedType) -> tuple[int, np.ndarray]:
    """Overflow count and rounded mantissas computed in float64 (exact for these small
    dyadic values), independently of the emulator's integer code."""
    scaled = exact * 2.0**t.frac
    if t.rounding is Rounding.TRN:
        m = np.floor(scaled)
    elif t.rounding is Rounding.RND:
        m = np.floor(scaled + 0.5)
    else:  # pragma: no cover - the tests below use TRN and RND only
        raise AssertionError(t.rounding)
    lo = -t.max_mant if t.overflow is Overflow.SAT_SYM else t.min_mant
    return int(np.count_nonzero((m < lo) | (m > t.max_mant))), m


# -- counts --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec", ["fixed<8,3>", "fixed<8,3,RND,SAT>", "fixed<6,2,TRN,SAT_ZERO>", "fixed<7,3,RND,SAT_SYM>"]
)
def test_counts_match_an_independent_computation(spec: str) -> None:
    x = _x()
    exact_fc1 = trace(_prj().graph, x)["fc1"].exact  # the exact fc1 result does not depend on its own type
    assert exact_fc1 is not None
    prj = _prj(fc1=spec)
    d = prj.diagnose(x)["fc1"]
    t = parse_type(spec)
    assert isinstance(t, FixedType)
    n_over, m = _independent_overflow(exact_fc1, t)
    assert n_over > 0 and d.overflows == n_over
    if t.overflow is Overflow.WRAP:
        assert (d.wrapped, d.saturated) == (n_over, 0)
    else:
        assert (d.wrapped, d.saturated) == (0, n_over)
    assert d.overflow == t.overflow.value
    assert d.underflows == int(np.count_nonzero((exact_fc1 != 0) & (m == 0)))
    assert (d.type_min, d.type_max) == (t.min_value, t.max_value)
    assert (d.exact_min, d.exact_max) == (exact_fc1.min(), exact_fc1.max())
    assigned = trace(prj.graph, x)["fc1"].values
    assert (d.seen_min, d.seen_max) == (assigned.min(), assigned.max())
    assert d.count == exact_fc1.size
    if t.overflow is Overflow.SAT:
        assert d.seen_max == t.max_value  # saturated values sit at the bound


def test_rounding_happens_before_overflow_and_underflow() -> None:
    # fixed<8,3,RND,SAT>: max 3.96875, lsb 1/32. 3.97 rounds down to the max (no overflow),
    # 3.99 rounds up to 4.0 (overflow); 0.01 and -0.01 round to 0 (underflow), -0.02 to -1/32.
    g = Graph("one")
    v = g.add_input("x", TensorType((1,), FloatType()))
    g.set_outputs([v])
    prj = convert(g, config=_cfg(x="fixed<8,3,RND,SAT>"))
    x = np.array([[3.97], [3.99], [0.01], [-0.01], [-0.02], [0.0], [1.5]])
    d = prj.diagnose(x)["x"]
    assert (d.saturated, d.wrapped, d.underflows) == (1, 0, 2)
    assert d.exact_max == 3.99  # the input's exact values are the data itself
    assert d.suggested == "fixed<9,4,RND,SAT>"


def test_input_overflow_is_counted_not_hidden() -> None:
    # the default input type fixed<16,6> holds [-32, 32): 40 wraps, and the trace says so
    g = Graph("one")
    v = g.add_input("x", TensorType((2,), FloatType()))
    g.set_outputs([v])
    prj = convert(g)
    tr = prj.trace(np.array([[40.0, 1.0], [-3.0, 2.0]]))
    assert tr["x"].overflows == 1
    d = diagnose(tr, prj.graph)["x"]
    assert d.wrapped == 1 and d.suggested == "fixed<17,7>"


def test_truncation_underflow_is_positive_only() -> None:
    g = Graph("one")
    v = g.add_input("x", TensorType((1,), FloatType()))
    g.set_outputs([v])
    prj = convert(g, config=_cfg(x="fixed<8,3>"))  # TRN: floor
    d = prj.diagnose(np.array([[0.01], [-0.01], [0.0], [0.5]]))["x"]
    assert d.underflows == 1  # floor(-0.01 * 32) = -1, not 0


# -- suggested precision, verified by re-emulation ------------------------------------------------
@pytest.mark.parametrize(
    "spec",
    [
        "fixed<8,3>",
        "fixed<10,2,RND,SAT>",
        "fixed<12,1,TRN,SAT_SYM>",
        "fixed<6,4,RND_CONV,WRAP>",
        "ufixed<8,3,RND,SAT>",
        "fixed<16,2,TRN,SAT_ZERO>",
    ],
)
def test_suggestion_removes_every_overflow_and_is_tight(spec: str) -> None:
    x = _x()
    d = _prj(fc1=spec).diagnose(x)["fc1"]
    assert d.overflows > 0 and not d.provisional
    declared, sugg = parse_type(spec), parse_type(d.suggested)
    assert isinstance(declared, FixedType) and isinstance(sugg, FixedType)
    # the same fraction bits and modes; signed because fc1 has negative values
    assert sugg.frac == declared.frac and sugg.signed
    assert (sugg.rounding, sugg.overflow) == (declared.rounding, declared.overflow)
    assert (d.suggested_width, d.suggested_integer) == (sugg.width, sugg.integer)
    fixed = _prj(fc1=d.suggested)
    tr = fixed.trace(x)
    assert all(lt.overflows == 0 for lt in tr.layers.values()), {k: v.overflows for k, v in tr.layers.items()}
    # one integer bit less (same fraction bits) overflows again: the suggestion is minimal
    less = FixedType(sugg.width - 1, sugg.integer - 1, sugg.signed, sugg.rounding, sugg.overflow)
    assert _prj(fc1=str(less)).diagnose(x)["fc1"].overflows > 0


def test_suggestion_is_unsigned_for_non_negative_values() -> None:
    x = _x()
    d = _prj(relu1="fixed<8,2,RND,SAT>").diagnose(x)["relu1"]
    assert d.saturated > 0
    sugg = parse_type(d.suggested)
    assert isinstance(sugg, FixedType) and not sugg.signed and sugg.frac == 6
    assert _prj(relu1=d.suggested).diagnose(x)["relu1"].overflows == 0
    less = FixedType(sugg.width - 1, sugg.integer - 1, False, sugg.rounding, sugg.overflow)
    assert _prj(relu1=str(less)).diagnose(x)["relu1"].overflows > 0


def test_suggestion_can_be_narrower_than_the_type() -> None:
    # auto results keep every integer bit of the worst case; the data needs fewer
    x = _x()
    prj = _prj()
    d = prj.diagnose(x)["fc1"]
    assert d.overflows == 0 and d.suggested_integer < d.integer
    assert _prj(fc1=d.suggested).diagnose(x)["fc1"].overflows == 0


def test_suggest_type_rules() -> None:
    assert str(suggest_type("fixed<8,3>", -5, 100)) == "fixed<8,3>"  # [-5, 100] needs 8 bits, frac 5
    assert str(suggest_type("fixed<8,3>", 0, 100)) == "ufixed<7,2>"
    assert str(suggest_type("fixed<4,4,TRN,SAT_SYM>", -8, 3)) == "fixed<5,5,TRN,SAT_SYM>"  # -8 is clamped in 4 bits
    assert str(suggest_type("fixed<4,4,TRN,SAT>", -8, 3)) == "fixed<4,4,TRN,SAT>"
    assert str(suggest_type("int<4>", -9, 0)) == "int<5>"
    assert str(suggest_type("int<4>", 0, 17)) == "uint<5>"


def test_apply_fixes_a_chain_of_overflows_in_rounds() -> None:
    # fc1 and fc2 both overflow; fc2's values change once fc1 is fixed, so fc2 is marked
    # provisional, and applying the suggestions and tracing again converges to 0
    x = _x()
    cfg = _cfg(fc1="fixed<8,2>", fc2="fixed<8,2,RND,SAT>")
    diag = convert(_mlp(), config=cfg).diagnose(x)
    assert diag["fc1"].overflows and not diag["fc1"].provisional
    assert diag["fc2"].provisional and diag["relu1"].provisional
    assert set(diag.overrides()) == {"fc1", "fc2"}
    for _ in range(3):
        cfg = diag.apply(cfg)
        diag = convert(_mlp(), config=cfg).diagnose(x)
        if not diag.overflowing:
            break
    assert not diag.overflowing
    assert cfg.layer_name["fc1"].precision["result"] == diag["fc1"].type


# -- source quantisers, provisional marks ---------------------------------------------------------
def _quantised() -> Graph:
    g = Graph("q")
    x = g.add_input("x", TensorType((4,), FloatType()))
    k = Constant.from_array(np.array([[1.0, -1.0], [0.5, 2.0], [-1.0, 1.0], [2.0, 0.25]]))
    d = g.add_node(Dense(2), [x], name="fc", params={"kernel": k})
    q = g.add_node(Quantize(FixedType(4, 1, False, Rounding.RND, Overflow.SAT)), [d.output], name="q")
    g.set_outputs([q.output])
    return g


def test_source_quantiser_saturation_is_pinned_and_not_warned() -> None:
    x = _x(n=50, n_in=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", HlsflowPrecisionWarning)
        prj = convert(_quantised(), calibration=x)
    assert prj.calibration is not None
    d = prj.calibration.layers[-1]  # the quantiser (fused into the dense layer by fuse-quantize)
    assert d.op in ("dense", "quantize") and d.type == "ufixed<4,1,RND,SAT>"
    assert d.saturated > 0 and d.pinned
    assert prj.calibration.overflowing == () and prj.calibration.overrides() == {}


# -- calibration warning ---------------------------------------------------------------------------
def test_calibration_warns_once_and_keeps_the_diagnostics() -> None:
    x = _x()
    with pytest.warns(HlsflowPrecisionWarning) as rec:
        prj = convert(_mlp(), config=_cfg(fc1="fixed<8,2>"), calibration=x)
    ours = [w for w in rec if issubclass(w.category, HlsflowPrecisionWarning)]
    assert len(ours) == 1
    msg = str(ours[0].message)
    assert isinstance(prj.calibration, Diagnostics)
    d = prj.calibration["fc1"]
    assert f"fc1 (fixed<8,2>: {d.wrapped} wrapped of {d.count}; suggest {d.suggested})" in msg
    assert hlsflow.HlsflowPrecisionWarning is HlsflowPrecisionWarning
    assert issubclass(HlsflowPrecisionWarning, UserWarning)


def test_no_warning_for_the_default_config() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", HlsflowPrecisionWarning)
        prj = convert(_mlp(), calibration=_x())
    assert prj.calibration is not None and prj.calibration.overflowing == ()
    assert convert(_mlp()).calibration is None


def test_bad_calibration_data_names_it() -> None:
    with pytest.raises(EmulationError, match=r"calibration data: input 'x' expects shape"):
        convert(_mlp(), calibration=np.zeros((3, 5)))


# -- outputs: table, JSON, plots --------------------------------------------------------------------
def test_table_and_json() -> None:
    diag = _prj(fc1="fixed<8,2>").diagnose(_x())
    con = Console(record=True, width=220)
    con.print(diag.table())
    text = con.export_text()
    for d in diag.layers:
        assert d.layer in text and d.suggested in text
    assert "wrapped" in text and "underflow" in text
    data = json.loads(json.dumps(diag.to_dict()))
    assert data["overflowing"] == ["fc1"] and data["samples"] == 400
    row = next(r for r in data["layers"] if r["layer"] == "fc1")
    assert row["wrapped"] == diag["fc1"].wrapped and row["overflows"] == row["wrapped"]
    assert row["suggested"] == diag["fc1"].suggested
    with pytest.raises(KeyError, match="no traced layer 'nope'"):
        diag["nope"]


def test_plots_one_png_per_layer_with_safe_names(tmp_path: Path) -> None:
    x = _x()
    prj = _prj(fc1="fixed<8,2>")
    tr = prj.trace(x)
    # a layer name that is not file-safe (other frontends' names can be anything)
    weird = "fc1/../a b:c"
    lt = dataclasses.replace(tr.layers["fc1"], name=weird)
    tr2 = Trace({**{k: v for k, v in tr.layers.items() if k != "fc1"}, weird: lt})
    diag = diagnose(tr2)
    paths = write_trace_plots(diag, tr2, tmp_path / "plots")
    assert len(paths) == len(diag.layers) == len(tr.layers)
    for p in paths:
        assert p.parent == tmp_path / "plots" and p.suffix == ".png"
        head = p.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
    assert all("/" not in p.name and " " not in p.name and ":" not in p.name for p in paths)
    # the plot folder can also be written from the project
    assert len(list((tmp_path / "p2").glob("*.png"))) == 0
    prj.diagnose(x, plots=tmp_path / "p2")
    assert len(list((tmp_path / "p2").glob("*.png"))) == len(tr.layers)


# -- command line ------------------------------------------------------------------------------------
def _onnx_model(path: Path) -> None:
    """x[8] -> Gemm fc1 -> Relu relu1 -> Gemm fc2 (built with onnx.helper; no torch)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(3)
    inits = [
        numpy_helper.from_array(rng.normal(size=(8, 6)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.normal(size=6).astype(np.float32), "b1"),
        numpy_helper.from_array((rng.normal(size=(6, 3)) * 3).astype(np.float32), "w2"),
    ]
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1"),
        helper.make_node("Relu", ["h"], ["r"], name="relu1"),
        helper.make_node("MatMul", ["r", "w2"], ["y"], name="fc2"),
    ]
    g = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        inits,
    )
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(path))


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture()
def tiny(tmp_path: Path) -> dict[str, Path]:
    model = tmp_path / "model.onnx"
    _onnx_model(model)
    x = tmp_path / "x.npy"
    np.save(x, _x())
    cfg = tmp_path / "narrow.yml"
    cfg.write_text("LayerName:\n  fc1:\n    Precision: {result: 'fixed<8,2>'}\n")
    return {"model": model, "x": x, "cfg": cfg, "dir": tmp_path}


def test_cli_report_trace_table_json_and_plots(tiny: dict[str, Path]) -> None:
    plots = tiny["dir"] / "plots"
    res = _invoke(
        "report", str(tiny["model"]), "-c", str(tiny["cfg"]), "--trace", str(tiny["x"]), "--plots", str(plots)
    )
    assert res.exit_code == 0, res.output
    ref = convert(str(tiny["model"]), config=str(tiny["cfg"])).diagnose(np.load(tiny["x"]))["fc1"]
    assert ref.wrapped > 0
    assert f"fc1: {ref.wrapped} wrapped of {ref.count} values in fixed<8,2>" in res.output
    assert f"LayerName.fc1.Precision.result: {ref.suggested}" in res.output
    assert "multipliers" in res.output  # the usual report is still printed
    pngs = sorted(plots.glob("*.png"))
    assert len(pngs) >= 4 and all(p.stat().st_size > 5000 for p in pngs)
    res = _invoke("report", str(tiny["model"]), "-c", str(tiny["cfg"]), "--trace", str(tiny["x"]), "--json")
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["trace"]["overflowing"] == ["fc1"] and "multipliers" in data
    # the suggestion, pasted into the config, removes the overflow
    tiny["cfg"].write_text(f"LayerName:\n  fc1:\n    Precision: {{result: '{ref.suggested}'}}\n")
    res = _invoke("report", str(tiny["model"]), "-c", str(tiny["cfg"]), "--trace", str(tiny["x"]))
    assert res.exit_code == 0 and "no layer overflows on these 400 samples" in res.output


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"not an array", "--trace"),
        (None, "no such file"),
        ("shape", "expects shape"),
        ("strings", "expected numbers"),
    ],
)
def test_cli_bad_trace_input_is_one_line(tiny: dict[str, Path], content: bytes | str | None, expect: str) -> None:
    bad = tiny["dir"] / "bad.npy"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content == "shape":
        np.save(bad, np.zeros((4, 5)))
    elif content == "strings":
        np.save(bad, np.array(["a", "b"]))
    res = _invoke("report", str(tiny["model"]), "--trace", str(bad))
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert (
        len(lines) == 1 and lines[0].startswith("error: --trace ") and "bad.npy" in lines[0] and expect in lines[0]
    ), lines


def test_cli_plots_without_trace_is_one_line(tiny: dict[str, Path]) -> None:
    res = _invoke("report", str(tiny["model"]), "--plots", str(tiny["dir"] / "p"))
    assert res.exit_code == 2 and res.output.startswith("error: --plots needs --trace")


def test_cli_convert_calibration_warns_in_one_line(tiny: dict[str, Path]) -> None:
    out = tiny["dir"] / "prj"
    res = _invoke(
        "convert", str(tiny["model"]), "-c", str(tiny["cfg"]), "--calibration", str(tiny["x"]), "-o", str(out)
    )
    assert res.exit_code == 0, res.output
    warn = [line for line in res.output.splitlines() if line.startswith("warning: ")]
    assert len(warn) == 1 and "fc1 (fixed<8,2>" in warn[0] and "suggest " in warn[0]
    assert "Traceback" not in res.output
    rep = json.loads((out / "report.json").read_text())
    assert rep["calibration"]["overflowing"] == ["fc1"]
    res = _invoke("convert", str(tiny["model"]), "--calibration", str(tiny["x"]))  # default config: quiet
    assert res.exit_code == 0 and "warning:" not in res.output
    res = _invoke("convert", str(tiny["model"]), "--calibration", str(tiny["dir"] / "nope.npy"))
    assert res.exit_code == 2 and res.output.startswith("error: --calibration ") and "no such file" in res.output


def test_cli_run_calibrates_on_the_shipped_inputs(tiny: dict[str, Path]) -> None:
    folder = tiny["dir"] / "zoo"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(tiny["model"].read_bytes())
    (folder / "config.yml").write_text(tiny["cfg"].read_text())
    np.save(folder / "x_test.npy", np.load(tiny["x"]))
    res = _invoke("run", str(folder), "--no-csim", "-o", str(tiny["dir"] / "run_out"))
    assert res.exit_code == 0, res.output
    warn = [line for line in res.output.splitlines() if line.startswith("warning: ")]
    assert len(warn) == 1 and "fc1" in warn[0]
    rep = json.loads((tiny["dir"] / "run_out" / "report.json").read_text())
    assert rep["calibration"]["overflowing"] == ["fc1"]
