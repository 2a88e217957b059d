"""Hypothesis strategies for random valid models and conversion configs.

A model is built as a float IR graph (as a frontend would produce it), with random
layer sequences from the supported set, random shapes, a branch joined by a merge or a
concatenation, random weights (zeros, tiny and large values), then converted by the
default pipeline under a random config: explicit precisions with every rounding and
overflow mode on some layers, io type, strategy, reuse factor and backend.

:func:`models` feeds the csim == emulate property (anything goes, incl. narrow types
that wrap). :func:`bounded_models` feeds the emulate ~ float reference property: the
same graphs without softmax (no error bound is stated for it), under generous
precisions (wide inputs holding every input value, wide saturating explicit result
types, auto types elsewhere), so that ``error_bounds.propagate`` bounds every value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from hlsflow.config import Config, LayerConfig
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.graph import Value
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.batch_norm import BatchNorm
from hlsflow.ir.ops.concatenate import Concatenate
from hlsflow.ir.ops.conv1d import Conv1D
from hlsflow.ir.ops.conv2d import Conv2D
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.depthwise_conv2d import DepthwiseConv2D
from hlsflow.ir.ops.flatten import Flatten
from hlsflow.ir.ops.global_pool import GlobalPool
from hlsflow.ir.ops.merge import Merge
from hlsflow.ir.ops.pool import Pool
from hlsflow.ir.ops.softmax import Softmax
from hlsflow.ir.ops.zero_padding import ZeroPadding
from hlsflow.ir.types import FloatType, Overflow, Rounding, as_fixed, parse_type

BACKENDS = ("vitis", "catapult")
ACTIVATIONS = ("relu", "leaky_relu", "relu6", "sigmoid", "tanh", "hard_sigmoid", "softsign", "elu", "selu", "linear")
MERGES = ("add", "subtract", "multiply", "average", "maximum", "minimum")


@dataclass(frozen=True)
class Case:
    """One generated model: the graph (float, before conversion), its config, inputs."""

    graph: Graph
    config: Config
    x: np.ndarray
    description: str

    def __repr__(self) -> str:  # hypothesis prints failing cases: the model, not the data
        return f"Case({self.description!r}, x of shape {self.x.shape})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # hypothesis's printer
        p.text(repr(self))


def _weights(draw: st.DrawFn, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    scale = draw(st.sampled_from([0.05, 0.5, 2.0]))
    w = rng.normal(size=shape) * scale
    sparsity = draw(st.sampled_from([0.0, 0.3, 0.8]))
    w[rng.random(shape) < sparsity] = 0.0
    if draw(st.booleans()):
        w.flat[0] = scale * 8  # an extreme value
    return w


def _dense(draw: st.DrawFn, g: Graph, v: Value, rng: np.random.Generator, name: str, units: int | None = None) -> Value:
    n_in = v.type.shape[-1]
    units = draw(st.integers(1, 12)) if units is None else units
    params = {"kernel": Constant.from_array(_weights(draw, (n_in, units), rng))}
    if draw(st.booleans()):
        params["bias"] = Constant.from_array(rng.normal(size=units))
    return g.add_node(Dense(units), [v], name=name, params=params).output


def _activation(draw: st.DrawFn, g: Graph, v: Value, name: str) -> Value:
    fn = draw(st.sampled_from(ACTIVATIONS))  # every one has a stated error bound
    return g.add_node(Activation(fn), [v], name=name).output


def _batch_norm(draw: st.DrawFn, g: Graph, v: Value, rng: np.random.Generator, name: str) -> Value:
    c = v.type.shape[-1]
    params = {"scale": Constant.from_array(rng.normal(size=c) + 1.0), "shift": Constant.from_array(rng.normal(size=c))}
    return g.add_node(BatchNorm(), [v], name=name, params=params).output


def _image_layer(draw: st.DrawFn, g: Graph, v: Value, rng: np.random.Generator, name: str) -> Value:
    h, w, c = v.type.shape
    kind = draw(st.sampled_from(["conv2d", "depthwise", "pool", "pad", "act", "bn"]))
    pad = draw(st.sampled_from(["valid", "same"]))
    if kind in ("conv2d", "depthwise", "pool"):
        kh, kw = draw(st.integers(1, min(3, h))), draw(st.integers(1, min(3, w)))
        s = draw(st.integers(1, 2))
        if kind == "conv2d":
            f = draw(st.integers(1, 6))
            params = {"kernel": Constant.from_array(_weights(draw, (kh, kw, c, f), rng))}
            if draw(st.booleans()):
                params["bias"] = Constant.from_array(rng.normal(size=f))
            return g.add_node(Conv2D(f, (kh, kw), (s, s), pad), [v], name=name, params=params).output
        if kind == "depthwise":
            m = draw(st.integers(1, 2))
            params = {"kernel": Constant.from_array(_weights(draw, (kh, kw, c, m), rng))}
            return g.add_node(DepthwiseConv2D((kh, kw), (s, s), pad, m), [v], name=name, params=params).output
        return g.add_node(Pool(draw(st.sampled_from(["max", "avg"])), (kh, kw), (s, s), pad), [v], name=name).output
    if kind == "pad":
        p = ((draw(st.integers(0, 1)), draw(st.integers(0, 1))), (draw(st.integers(0, 1)), draw(st.integers(0, 1))))
        return g.add_node(ZeroPadding(p), [v], name=name).output
    if kind == "bn":
        return _batch_norm(draw, g, v, rng, name)
    return _activation(draw, g, v, name)


def _graph(draw: st.DrawFn, rng: np.random.Generator, max_layers: int, softmax: bool) -> tuple[Graph, str]:
    """A random float graph (as a frontend builds it) and its one-line description."""
    g = Graph("fuzz")
    kind = draw(st.sampled_from(["vector", "sequence", "image"]))
    if kind == "vector":
        shape: tuple[int, ...] = (draw(st.integers(1, 16)),)
    elif kind == "sequence":
        shape = (draw(st.integers(3, 10)), draw(st.integers(1, 4)))
    else:
        shape = (draw(st.integers(3, 7)), draw(st.integers(3, 7)), draw(st.integers(1, 3)))
    # mostly "x"; sometimes a name that meets C++ or a generated identifier (a keyword, a
    # macro, a bridge local, the project, the first layer's weights or output)
    name = draw(st.sampled_from(["x"] * 6 + ["int", "EOF", "s", "in", "fuzz", "l0_w", "l0_out", "config_l0"]))
    v = g.add_input(name, TensorType(shape, FloatType()))
    desc = [f"{kind}{shape}" + ("" if name == "x" else f" named {name}")]
    n = 0
    if kind == "image":
        for _ in range(draw(st.integers(1, max_layers))):
            v = _image_layer(draw, g, v, rng, f"l{n}")
            n += 1
        if draw(st.booleans()):
            v = g.add_node(GlobalPool(draw(st.sampled_from(["max", "avg"]))), [v], name=f"l{n}").output
        else:
            v = g.add_node(Flatten(), [v], name=f"l{n}").output
        n += 1
    elif kind == "sequence":
        k = draw(st.integers(1, min(3, shape[0])))
        f = draw(st.integers(1, 4))
        params = {"kernel": Constant.from_array(_weights(draw, (k, shape[1], f), rng))}
        v = g.add_node(
            Conv1D(f, k, draw(st.integers(1, 2)), draw(st.sampled_from(["valid", "same"]))),
            [v],
            name=f"l{n}",
            params=params,
        ).output
        n += 1
        if draw(st.booleans()):
            v = g.add_node(
                Pool(draw(st.sampled_from(["max", "avg"])), (min(2, v.type.shape[0]),), (1,), "valid"),
                [v],
                name=f"l{n}",
            ).output
            n += 1
        v = g.add_node(Flatten(), [v], name=f"l{n}").output
        n += 1
    for _ in range(draw(st.integers(1, max_layers))):
        choice = draw(st.sampled_from(["dense", "act", "bn", "branch"]))
        if choice == "dense":
            v = _dense(draw, g, v, rng, f"l{n}")
        elif choice == "act":
            v = _activation(draw, g, v, f"l{n}")
        elif choice == "bn":
            v = _batch_norm(draw, g, v, rng, f"l{n}")
        else:
            merge = draw(st.booleans())
            a = _activation(draw, g, v, f"l{n}a")
            # a merge needs equal shapes: the dense branch then keeps the width
            b = _dense(draw, g, v, rng, f"l{n}b", units=a.type.shape[-1] if merge else None)
            ins = [a, b]
            if draw(st.integers(0, 3)) == 0:  # a third input: n-ary merges (e.g. average by 1/3)
                ins.append(_dense(draw, g, v, rng, f"l{n}c", units=b.type.shape[-1]))
            if not merge and draw(st.integers(0, 3)) == 0:  # 4-6 readers of v: chained stream clones
                extra = draw(st.integers(2, 4))
                ins += [_activation(draw, g, v, f"l{n}x{i}") for i in range(extra)]
            if merge:
                modes = [m for m in MERGES if m != "subtract" or len(ins) == 2]
                v = g.add_node(Merge(draw(st.sampled_from(modes))), ins, name=f"l{n}").output
            else:
                v = g.add_node(Concatenate(0), ins, name=f"l{n}").output
        n += 1
    if softmax and draw(st.booleans()):
        v = g.add_node(Softmax(), [v], name="softmax").output
    g.set_outputs([v])
    g.verify()
    desc.append(" ".join(node.op.name for node in g.nodes[1:]))
    return g, "; ".join(desc)


@st.composite
def models(draw: st.DrawFn, max_layers: int = 5, samples: int = 1000, backends: tuple[str, ...] = ("vitis",)) -> Case:
    """Any valid model under any config; ``backends`` are drawn from."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    g, desc = _graph(draw, rng, max_layers, softmax=True)
    if draw(st.integers(0, 3)) == 0:
        # a second graph output that other layers also read (in io_stream a clone then
        # writes the port: the design cannot read its own output stream)
        read = [v for node in g.nodes[1:-1] for v in node.outputs if v.users]
        if read:
            g.set_outputs([g.outputs[0], draw(st.sampled_from(read))])
            g.verify()
            desc += f"; also output %{g.outputs[1].name}"
    cfg = draw(configs(g, backends))
    shape = g.inputs[0].type.shape
    x = rng.normal(size=(samples,) + shape) * draw(st.sampled_from([0.5, 4.0, 40.0]))
    x[:5] = 1e6  # saturate the input type
    x[5:10] = -1e6
    x[10:15] = 0.0
    return Case(g, cfg, x, f"{desc}; {cfg.backend} {cfg.io_type}")


#: Input types of :func:`bounded_models`: wide, rounding and saturating (the inputs are
#: drawn inside their range, so only rounding moves them).
GENEROUS_INPUTS = ("fixed<24,8,RND,SAT>", "fixed<20,8,TRN,SAT>", "fixed<32,12,RND_CONV,SAT>", "fixed<16,6,RND,SAT>")


@st.composite
def generous_specs(draw: st.DrawFn) -> str:
    """A wide saturating result type (any rounding): 10..16 integer, 8..20 fraction bits."""
    i = draw(st.integers(10, 16))
    f = draw(st.integers(8, 20))
    r = draw(st.sampled_from(list(Rounding)))
    o = draw(st.sampled_from([Overflow.SAT, Overflow.SAT_SYM]))
    return f"fixed<{i + f},{i},{r.value},{o.value}>"


@st.composite
def bounded_models(draw: st.DrawFn, max_layers: int = 4, samples: int = 200) -> Case:
    """A float-sourced model under generous precisions, inputs inside the input type."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    g, desc = _graph(draw, rng, max_layers, softmax=False)
    cfg = Config(project_name="fuzz")
    cfg.precision["input"] = draw(st.sampled_from(GENEROUS_INPUTS))
    cfg.weight_bits = draw(st.sampled_from([10, 16, 24]))
    cfg.result_frac_bits = draw(st.sampled_from([8, 12, 16]))
    for node in g.nodes[1:]:
        if draw(st.integers(0, 2)) == 0:
            cfg.layer_name[node.name] = LayerConfig({"result": draw(generous_specs())})
    shape = g.inputs[0].type.shape
    t = as_fixed(parse_type(cfg.precision["input"]))
    x = rng.normal(size=(samples,) + shape) * draw(st.sampled_from([0.5, 4.0, 40.0]))
    x = np.clip(x, t.min_value, t.max_value)
    x[:3] = t.max_value  # the extremes of the input range
    x[3:6] = t.min_value
    x[6:9] = 0.0
    return Case(
        g,
        cfg,
        x,
        f"{desc}; input {cfg.precision['input']}, weight_bits {cfg.weight_bits}, "
        f"result_frac_bits {cfg.result_frac_bits}",
    )


@st.composite
def fixed_specs(draw: st.DrawFn) -> str:
    w = draw(st.integers(2, 24))
    i = draw(st.integers(-2, w + 2))
    r = draw(st.sampled_from(list(Rounding)))
    o = draw(st.sampled_from(list(Overflow)))
    kind = draw(st.sampled_from(["fixed", "ufixed"]))
    return f"{kind}<{w},{i},{r.value},{o.value}>"


@st.composite
def configs(draw: st.DrawFn, graph: Graph, backends: tuple[str, ...] = ("vitis",)) -> Config:
    cfg = Config(project_name="fuzz")
    cfg.backend = draw(st.sampled_from(backends))
    cfg.io_type = draw(st.sampled_from(["io_parallel", "io_stream"]))
    cfg.strategy = draw(st.sampled_from(["Latency", "Resource"]))
    cfg.reuse_factor = 1
    cfg.precision["input"] = draw(
        st.sampled_from(["fixed<16,6>", "fixed<10,4,RND,SAT>", "ufixed<8,3,RND_CONV,SAT>", "fixed<20,8,TRN,WRAP>"])
    )
    cfg.weight_bits = draw(st.sampled_from([4, 8, 16]))
    cfg.result_frac_bits = draw(st.sampled_from([4, 10, 14]))
    for node in graph.nodes[1:]:
        if draw(st.integers(0, 3)) == 0:
            cfg.layer_name[node.name] = LayerConfig({"result": draw(fixed_specs())})
        if "kernel" in node.params and cfg.strategy == "Resource" and draw(st.booleans()):
            cfg.layer(node.name).reuse_factor = draw(st.sampled_from([2, 3, 4]))
    return cfg
