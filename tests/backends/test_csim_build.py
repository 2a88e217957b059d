"""The C-simulation build: weight arrays defined from their values as bytes (large
models) give the same bits as compiling the headers' integer lists, with hlsflow's and the
official headers; values are read back from the headers' text and checked against their
element type as g++ would; headers of another form are compiled as text; the array
formatter writes the plain row-by-row text; Latency triplets are grouped by input and
Resource triplets by output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hlsflow.backends.common.lowering import lower_graph
from hlsflow.backends.common.writer import array_body

from hlsflow.config import Config
from hlsflow.emulate import run
from hlsflow.ir import Constant, FixedType, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import Overflow, Rounding
from hlsflow.project import Project
from hlsflow.sim import csim


def _mlp(seed: int) -> Graph:
    """16-12-6 with pruned weights, a relu and rounding/saturating result types."""
    rng = np.random.default_rng(seed)
    g = Graph("m")
    v = g.add_input("x", TensorType((16,), FixedType(16, 6)))
    for i, (n_in, n_out) in enumerate([(16, 12), (12, 6)]):
        w = rng.normal(size=(n_in, n_out))
        w[rng.random(w.shape) < 0.4] = 0
        node = g.add_node(
            Dense(n_out),
            [v],
            name=f"fc{i}",
            params={
                "kernel": Constant.from_array(w).quantize(FixedType(9, 2)),
                "bias": Constant.from_array(rng.normal(size=n_out)).quantize(FixedType(8, 3)),
            },
        )
        g.set_type(node.output, TensorType((n_out,), FixedType(13, 5, True, Rounding.RND, Overflow.SAT)))
        v = node.output
        if i == 0:
            v = g.add_node(Activation("relu"), [v], name="relu0").output
    g.set_outputs([v])
    g.verify()
    return g


def _inputs(seed: int, n: int = 800) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, 16)) * 8
    x[:5], x[5:10] = 31.999, -32.0  # extremes of fixed<16,6>
    return x


@pytest.fixture
def split_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat every project's weights as large: built from their values as bytes."""
    monkeypatch.setattr(csim, "_SPLIT_WEIGHTS_BYTES", 0)


@pytest.mark.csim
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("headers", ["own", "official"])
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
def test_split_weight_units_are_bit_exact(
    tmp_path: Path, split_everything: None, request: pytest.FixtureRequest, io_type: str, headers: str, backend: str
) -> None:
    official = "ap_types" if backend == "vitis" else "ac_types"
    inc = request.getfixturevalue(official) if headers == "official" else None
    g = _mlp(1)
    prj = Project(g, Config(project_name="split_t", io_type=io_type, backend=backend))
    out = prj.write(tmp_path / "prj")
    arrays = csim._large_weights(out / "firmware" / "weights")
    assert isinstance(arrays, list) and len(arrays) == 8  # w, wi, wo and b of both layers
    x = _inputs(2)
    got = prj.csim_raw(x, include_dir=inc)[0].mant
    assert np.array_equal(got, run(g, x)[0][0].mant)


def _set_first_value(header: Path, value: int) -> str:
    """Replace the first value of a weights header's array (same count); returns the old text."""
    text = header.read_text()
    head, sep, rest = text.partition("] = {\n    ")
    header.write_text(head + sep + str(value) + rest[rest.index(",") :])
    return text


def test_weight_headers_read_back(tmp_path: Path, split_everything: None) -> None:
    g = _mlp(4)
    d = Project(g, Config(project_name="read_t")).write(tmp_path / "prj") / "firmware" / "weights"
    arrays = csim._large_weights(d)
    assert isinstance(arrays, list)
    by_name = {a.name: a for a in arrays}
    w = g.node("fc0").params["kernel"].mant
    wi, wo = (by_name[n].values.astype(np.int64) for n in ("fc0_wi", "fc0_wo"))
    assert np.array_equal(by_name["fc0_w"].values, w[wi, wo])
    elem = by_name["fc0_w"].elem
    assert by_name["fc0_w"].values.dtype == np.dtype(elem.removesuffix("_t"))
    # a value its element type cannot hold: an error line, as g++ reports narrowing
    f = d / "fc0_w.h"
    text = _set_first_value(f, int(np.iinfo(elem.removesuffix("_t")).max) + 1)
    err = csim._read_weight_header(f)
    assert isinstance(err, str) and f"does not fit {elem}" in err and "fc0_w[0]" in err
    assert csim._large_weights(d) == err
    # a header of another form is compiled as text
    for edited in (text.replace("static const", "static constexpr"), text.replace(", ", ", 0x", 1)):
        f.write_text(edited)
        assert csim._read_weight_header(f) is None
        assert csim._large_weights(d) is None
    assert csim._large_weights(tmp_path / "missing") is None


@pytest.mark.parametrize("data", [b"", b"\x00", bytes(range(256)) * 40])
def test_c_bytes_round_trips(data: bytes) -> None:
    text = csim._c_bytes(data, per_line=100)
    lits = [line.strip().strip('"') for line in text.splitlines()]
    assert bytes.fromhex("".join(lits).replace("\\x", "")) == data
    assert all(len(lit) <= 400 for lit in lits)


@pytest.mark.csim
def test_out_of_range_weight_is_a_compile_error(tmp_path: Path, split_everything: None) -> None:
    """A large model's weights are read back from the headers' text: a value the element
    type cannot hold fails the build (g++ itself, run with -w, would truncate it)."""
    prj = Project(_mlp(3), Config(project_name="broken_t"))
    _set_first_value(prj.write(tmp_path / "prj") / "firmware" / "weights" / "fc0_w.h", 1 << 40)
    with pytest.raises(csim.CompileError, match=r"fc0_w\[0\] = 1099511627776 does not fit int"):
        prj.compile()


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 32, 33, 100])
def test_array_body_is_the_rows_text(n: int) -> None:
    vals = tuple(int(v) for v in np.random.default_rng(n).integers(-(2**40), 2**40, n))
    # the plain formatting the template used before array_body (one row of 16 a line)
    rows = [", ".join(str(v) for v in vals[i : i + 16]) for i in range(0, n, 16)]
    want = "".join(f"    {r},\n" for r in rows)
    assert array_body(vals, 16) == want
    assert array_body(list(vals), 16) == want  # any iterable of integers


def test_triplet_order_follows_strategy() -> None:
    g = _mlp(5)
    for strategy, rf, major in [("Latency", 1, "wi"), ("Resource", 4, "wo")]:
        cfg = Config(strategy=strategy, reuse_factor=rf)
        arrays = {a.name: np.array(a.values) for a in lower_graph(g, cfg, "vitis").layers[0].arrays}
        wi, wo = arrays["fc0_wi"], arrays["fc0_wo"]
        first, second = (wi, wo) if major == "wi" else (wo, wi)
        keys = first * 1000 + second
        assert np.all(np.diff(keys) > 0), strategy  # sorted by (major, minor), no duplicates
        w = g.node("fc0").params["kernel"].mant
        assert np.array_equal(arrays["fc0_w"], w[wi, wo])  # each value at its (in, out)
        assert len(wi) == np.count_nonzero(w)
