"""ONNX frontend (plain ONNX, QONNX and QDQ): an ``onnx.ModelProto`` or ``.onnx`` file
becomes an hlsflow :class:`Graph`.

``from_onnx(model_or_path)`` loads the model (a corrupt or truncated file gives one
:class:`FrontendError`), checks the default-domain opset against
:data:`SUPPORTED_OPSETS`, runs ONNX shape inference (its shapes cross-check the
converter's), folds every computation on constants (initialisers, ``Constant``,
``Shape`` of a tensor of known shape, ...) and converts the remaining nodes in order.

Conventions:

* **Layout.** PyTorch graphs are channels-first; the IR is channels-last. Layout is
  bookkeeping only (:mod:`hlsflow.frontends.onnx_layout`): Transpose / Reshape /
  Flatten / Squeeze / Unsqueeze never create data movement; convolutions and pools read
  ``(H, W, C)``; a Flatten feeding a Gemm/MatMul keeps PyTorch's ``C, H, W`` element order
  by permuting the Dense kernel's rows. A graph input of rank >= 3 that feeds spatial
  ops (Conv, pooling, BatchNormalization, Pad) becomes a **channels-last IR input**:
  pass ``x.transpose(0, 2, 3, 1)`` (NCHW -> NHWC) to ``emulate``/``csim``. The input
  node's meta records ``onnx_shape`` and ``ir_order`` (IR axis i = ONNX axis
  ``ir_order[i] + 1``); outputs are likewise channels-last when they are feature maps.
* **Batch.** IR shapes exclude the batch axis; a fixed or symbolic batch size is
  accepted. Ops that mix the batch axis with others are refused.
* **Naming.** The last IR node produced for an ONNX node carries the node's name
  (``/fc1/Gemm`` -> ``fc1_Gemm``; a nameless node takes its first output's name);
  helper nodes are ``<name>_<role>``. Every node's ``meta`` holds ``source_layer`` (the
  ONNX node name), ``source_class`` (the op type) and ``onnx_domain``.
* **Quantisers** (QONNX ``Quant``/``BipolarQuant``/``Trunc``, ``QuantizeLinear`` ->
  ``DequantizeLinear``) become IR types in :mod:`hlsflow.frontends.onnx_quant` and
  nowhere else. Approximations it has to make (a scale that is not a power of two) are
  listed in ``graph.meta_log`` (a list of strings, the conversion log).
* **Errors.** Every unsupported node is collected and raised at the end as one
  :class:`UnsupportedModelError` listing ``name (op_type, domain): reason``.

Op mapping: see :mod:`hlsflow.frontends.onnx_ops` (standard ops) and
:mod:`hlsflow.frontends.onnx_quant` (quantisers).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hlsflow.frontends import onnx_layout as layout
from hlsflow.frontends.errors import FrontendError, LayerUnsupported, UnsupportedModelError
from hlsflow.frontends.naming import emit_node, free_name
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, IRError, Value, sanitize_name
from hlsflow.ir.ops.base import Op, OpError
from hlsflow.ir.types import FloatType, TensorType

#: Default-domain opsets the frontend is tested with (inclusive).
SUPPORTED_OPSETS = (9, 21)
#: Domains of the QONNX custom ops (current name, FINN's and Brevitas's older ones).
QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas")
#: Ops whose outputs are never folded even when every input is constant (their
#: converters keep the quantisation grid of the constant).
NO_FOLD = {"DequantizeLinear"}
#: Ops that want channels-last data; a graph input feeding them is made channels-last.
SPATIAL_OPS = {
    "Conv",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "BatchNormalization",
    "Pad",
}
#: Ops that keep the layout of their first input (followed when choosing input layouts).
LAYOUT_NEUTRAL = {
    "Identity",
    "Dropout",
    "Cast",
    "Relu",
    "LeakyRelu",
    "Sigmoid",
    "Tanh",
    "Elu",
    "Selu",
    "HardSigmoid",
    "Softsign",
    "Clip",
    "Quant",
    "IntQuant",
    "BipolarQuant",
    "Trunc",
    "QuantizeLinear",
    "DequantizeLinear",
    "Add",
    "Sub",
    "Mul",
    "Div",
}


# -- references to ONNX tensors ------------------------------------------------------------
@dataclass
class Tensor:
    """A runtime tensor: IR ``value`` plus the index map of its ONNX ``shape`` (batch
    excluded) into the value's flat order (see :mod:`hlsflow.frontends.onnx_layout`)."""

    value: Value
    shape: tuple[int, ...]
    idx: np.ndarray
    origin: OnnxNode | None = None  # the ONNX node that last rearranged it (names reshapes)

    @classmethod
    def plain(cls, value: Value, order: tuple[int, ...] | None = None) -> Tensor:
        """``value`` seen as an ONNX tensor whose axes are the IR axes (``order`` None) or
        the IR axes are the ONNX axes in ``order``."""
        shape = value.type.shape
        if order is None:
            return cls(value, shape, layout.identity(shape))
        onnx_shape = [0] * len(order)
        for i, a in enumerate(order):
            onnx_shape[a] = shape[i]
        return cls(value, tuple(onnx_shape), layout.canonical(onnx_shape, order))

    def rearranged(self, idx: np.ndarray, origin: OnnxNode) -> Tensor:
        return Tensor(self.value, tuple(int(d) for d in idx.shape), idx, origin)


@dataclass
class Const:
    """A constant (folded) tensor in ONNX layout.

    ``quantised`` marks the output of a quantiser (its values lie on the quantiser's
    grid); then ``ints`` (float64 integers) and ``scale`` (broadcastable) give
    ``array == ints * scale``."""

    array: np.ndarray
    quantised: bool = False
    ints: np.ndarray | None = None
    scale: np.ndarray | None = None

    @property
    def values(self) -> np.ndarray:
        return np.asarray(self.array, dtype=np.float64)


@dataclass
class QLinear:
    """The integer output of a QuantizeLinear on a runtime tensor, waiting for its
    DequantizeLinear (the pair is one quantiser)."""

    src: Tensor
    scale: np.ndarray
    zero_point: np.ndarray
    lo: int
    hi: int
    node: OnnxNode


@dataclass
class Unknown:
    """The output of a node that could not be converted (``reason`` None: already
    reported), or an output hlsflow does not produce (``reason`` says why)."""

    reason: str | None = None


Ref = Tensor | Const | QLinear | Unknown


@dataclass
class OnnxNode:
    """One ONNX node with its attributes decoded."""

    name: str
    op_type: str
    domain: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    proto: Any = None

    @property
    def label(self) -> tuple[str, str]:
        return self.name, f"{self.op_type}, {self.domain or 'ai.onnx'}"

    @property
    def ir_name(self) -> str:
        return ir_name(self.name)

    def attr(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)


def ir_name(name: str) -> str:
    """An ONNX name as an IR name: ``/layer1/conv/Conv`` -> ``layer1_conv_Conv``."""
    return sanitize_name(name.strip().strip("/").replace("/", "_").replace(".", "_") or "node")


#: A converter: (converter, node, input refs (None for an omitted optional input)) -> output refs.
Converter = Callable[["OnnxConverter", OnnxNode, list[Any]], list[Ref]]


# -- loading -----------------------------------------------------------------------------------
def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise FrontendError("the ONNX frontend needs the 'onnx' package; install the 'onnx' extra") from exc
    return onnx


def load_onnx_model(model_or_path: Any) -> Any:
    """The ``onnx.ModelProto`` for a ModelProto, serialized bytes or a path."""
    onnx = _import_onnx()
    if isinstance(model_or_path, onnx.ModelProto):
        return model_or_path
    where = "the ONNX bytes"
    try:
        if isinstance(model_or_path, (bytes, bytearray)):
            model = onnx.load_from_string(bytes(model_or_path))
        elif isinstance(model_or_path, (str, os.PathLike)):
            path = Path(model_or_path)
            where = str(path)
            if not path.exists():
                raise FrontendError(f"{path}: no such file")
            model = onnx.load(str(path))
        else:
            raise FrontendError(
                f"expected an onnx.ModelProto, its bytes or a .onnx path, got {type(model_or_path).__name__}"
            )
    except FrontendError:
        raise
    except Exception as exc:  # protobuf DecodeError, external-data OSError, ...
        raise FrontendError(
            f"{where}: not a readable ONNX model (the file is truncated, corrupted or not ONNX): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    if not model.graph.node and not model.graph.output:
        raise FrontendError(f"{where}: not a readable ONNX model (no graph: the file is empty, truncated or not ONNX)")
    if not model.opset_import:
        # ONNX writes opset_import after the graph: a file cut there still parses
        raise FrontendError(
            f"{where}: not a readable ONNX model (it declares no opset: the file is truncated or not a complete "
            "ONNX model); export it again"
        )
    return model


def _checker_problem(model: Any) -> str | None:
    """The ONNX checker's first complaint about ``model`` (None when it has none, or
    only about custom domains such as QONNX's)."""
    onnx = _import_onnx()
    try:
        onnx.checker.check_model(model)
    except Exception as exc:
        msg = str(exc).strip().splitlines()
        if any("No Op registered" in m or "is not a registered function/op" in m for m in msg):
            return None
        return msg[0] if msg else type(exc).__name__
    return None


def default_opset(model: Any) -> int:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return int(imp.version)
    return 1


def check_opset(model: Any, where: str = "model") -> int:
    op = default_opset(model)
    lo, hi = SUPPORTED_OPSETS
    if not lo <= op <= hi:
        raise FrontendError(
            f"{where}: ONNX opset {op} is outside the tested range {lo}-{hi}; re-export with an opset in that range "
            f"(e.g. torch.onnx.export(..., opset_version=17)) or convert it with "
            f"onnx.version_converter.convert_version(model, 17)"
        )
    return op


def _infer_shapes(model: Any) -> dict[str, tuple[Any, ...]]:
    """ONNX shape inference results (tensor name -> dims, None for unknown dims)."""
    onnx = _import_onnx()
    m = onnx.ModelProto()
    m.CopyFrom(model)
    # Custom domains: QONNX quantisers keep their input's shape (as qonnx tells shape
    # inference); other custom ops are skipped, which needs their domain imported.
    for i, n in enumerate(m.graph.node):
        if n.domain in QONNX_DOMAINS:
            m.graph.node[i].CopyFrom(onnx.helper.make_node("Identity", [n.input[0]], [n.output[0]], name=n.name))
    known = {imp.domain for imp in m.opset_import}
    for d in sorted({n.domain for n in m.graph.node} - known - {"ai.onnx"}):
        m.opset_import.append(onnx.helper.make_opsetid(d, 1))
    try:
        inferred = onnx.shape_inference.infer_shapes(m, strict_mode=False)
    except Exception:
        return {}
    shapes: dict[str, tuple[Any, ...]] = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        tt = vi.type.tensor_type
        if not tt.HasField("shape"):
            continue
        shapes[vi.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim)
    return shapes


def _node(proto: Any, index: int) -> OnnxNode:
    from onnx import helper

    attrs = {}
    for a in proto.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        attrs[a.name] = v
    name = proto.name or (proto.output[0] if proto.output and proto.output[0] else f"{proto.op_type}_{index}")
    domain = "" if proto.domain in ("", "ai.onnx") else proto.domain
    return OnnxNode(name, proto.op_type, domain, list(proto.input), list(proto.output), attrs, proto)


# -- the converter ----------------------------------------------------------------------------
class OnnxConverter:
    """Builds one Graph from one ONNX model; holds the tensor map, naming and the errors."""

    def __init__(self, model: Any, name: str) -> None:
        from hlsflow.frontends.onnx_ops import CONVERTERS
        from hlsflow.frontends.onnx_quant import CONVERTERS as QUANT_CONVERTERS

        self.model = model
        self.opset = default_opset(model)
        self.graph = Graph(name)
        self.refs: dict[str, Ref] = {}
        self.problems: list[tuple[str, str, str]] = []
        self.log: list[str] = []
        self.batch = 1
        self.nodes = [_node(p, i) for i, p in enumerate(model.graph.node)]
        self.reserved = {n.ir_name for n in self.nodes}
        self.converters: dict[tuple[str, str], Converter] = {**CONVERTERS, **QUANT_CONVERTERS}
        self._reshapes: dict[tuple[int, tuple[int, ...]], Value] = {}
        self.inferred: dict[str, tuple[Any, ...]] = {}
        #: How many times each tensor is read (node inputs and graph outputs).
        self.uses: dict[str, int] = {}
        for n in self.nodes:
            for name in n.inputs:
                self.uses[name] = self.uses.get(name, 0) + 1
        for vi in model.graph.output:
            self.uses[vi.name] = self.uses.get(vi.name, 0) + 1

    # -- naming and node creation ---------------------------------------------------------
    def free_name(self, base: str) -> str:
        return free_name(self.graph, self.reserved, base)

    def emit(
        self,
        node: OnnxNode,
        op: Op,
        inputs: list[Value],
        suffix: str | None = None,
        params: dict[str, Constant] | None = None,
    ) -> Value:
        """Add an IR node for ``node``; ``suffix`` None means it is the node's last IR
        node and is named after it, else it is named ``<name>_<suffix>``."""
        meta = {"source_layer": node.name, "source_class": node.op_type, "onnx_domain": node.domain or "ai.onnx"}
        return emit_node(self.graph, self.reserved, node.ir_name, op, inputs, suffix, params, meta)

    def sole_reader(self, value: Value) -> bool:
        """True when exactly one ONNX read (the node being converted) reaches ``value``,
        so the node may change the IR node producing it."""
        if value.users or any(value is o for o in self.graph.outputs):
            return False
        names = [n for n, r in self.refs.items() if isinstance(r, Tensor) and r.value is value]
        return sum(self.uses.get(n, 0) for n in names) == 1

    def note(self, node: OnnxNode, message: str) -> None:
        self.log.append(f"onnx: {node.name} ({node.op_type}): {message}")

    # -- layout ------------------------------------------------------------------------------
    def materialize(self, t: Tensor, order: tuple[int, ...], what: str = "this op") -> Value:
        """The IR value holding ``t`` with its ONNX axes in ``order`` (a Reshape/Flatten
        is inserted when only the shape differs); LayerUnsupported when it would need a
        data transpose."""
        if not layout.is_order(t.idx, order):
            raise LayerUnsupported(
                f"{what} needs the tensor's axes in the order {tuple(a + 1 for a in order)} (batch first), but the "
                "graph stores it transposed; hlsflow changes layout only where no data moves (a Transpose or "
                "Reshape between channels-first and channels-last, or a Flatten before a Gemm/MatMul)"
            )
        return self.reshaped(t, layout.ir_shape(t.shape, order))

    def reshaped(self, t: Tensor, target: tuple[int, ...]) -> Value:
        """``t.value`` in IR shape ``target`` (same row-major order), cached per value."""
        v = t.value
        if v.type.shape == target:
            return v
        key = (id(v), target)
        if key not in self._reshapes:
            from hlsflow.ir.ops.flatten import Flatten
            from hlsflow.ir.ops.reshape import Reshape

            op: Op = Flatten() if len(target) == 1 else Reshape(target)
            if t.origin is not None:
                origin = t.origin
                name = origin.ir_name if self.graph.unique_name(origin.ir_name) == origin.ir_name else None
                meta = {
                    "source_layer": origin.name,
                    "source_class": origin.op_type,
                    "onnx_domain": origin.domain or "ai.onnx",
                }
            else:
                name, meta = None, {"source_layer": v.name, "source_class": "Reshape", "onnx_domain": "ai.onnx"}
            name = name or self.free_name(f"{v.name}_{op.name}")
            self._reshapes[key] = self.graph.add_node(op, [v], name=name, meta=meta).output
        return self._reshapes[key]

    def features(self, t: Tensor) -> tuple[Value, np.ndarray]:
        """``t`` (ONNX shape ``(K,)``) as a rank-1 IR value, plus ``perm``: ONNX feature
        ``j`` is IR element ``perm[j]`` (a consumer applies it to its kernel rows)."""
        return self.reshaped(t, (int(t.value.type.size),)), t.idx.reshape(-1)

    def channel_vector(self, t: Tensor, const: np.ndarray, what: str) -> np.ndarray:
        """A constant broadcast against ``t`` (ONNX broadcasting, batch included) as one
        value per element of the IR value's last axis; LayerUnsupported when it varies
        along any other IR axis."""
        c = np.asarray(const, dtype=np.float64)
        full_shape = (1, *t.shape)
        try:
            if c.ndim > len(full_shape):
                raise ValueError
            full = np.broadcast_to(c, full_shape)[0]
        except ValueError:
            raise LayerUnsupported(f"{what} of shape {c.shape} does not broadcast to the tensor {full_shape}") from None
        size = int(t.value.type.size)
        ir = layout.scatter_to_ir(t.idx, full, size).reshape(-1, t.value.type.shape[-1])
        if not np.all(ir == ir[0]):
            raise LayerUnsupported(
                f"{what} of shape {c.shape} varies along an axis other than the channel axis; only per-tensor "
                "and per-channel constants are supported"
            )
        return ir[0].copy()

    # -- walking ----------------------------------------------------------------------------------
    def convert(self) -> Graph:
        onnx = _import_onnx()
        g = self.model.graph
        self.inferred = _infer_shapes(self.model)
        init_names = set()
        for init in g.initializer:
            self.refs[init.name] = Const(onnx.numpy_helper.to_array(init))
            init_names.add(init.name)
        for sp in getattr(g, "sparse_initializer", []):
            vals = onnx.numpy_helper.to_array(sp.values)
            ind = onnx.numpy_helper.to_array(sp.indices).astype(np.int64)
            dense = np.zeros(tuple(sp.dims), dtype=vals.dtype)
            if ind.ndim == 1:
                dense.reshape(-1)[ind] = vals
            else:
                dense[tuple(ind.T)] = vals
            self.refs[sp.values.name] = Const(dense)
            init_names.add(sp.values.name)
        for vi in g.input:
            if vi.name not in init_names:
                self._add_input(vi)
        if self.problems:
            # Unusable input shapes or types: every node after them would report
            # follow-on shape errors, so the input problems alone are the clearest message.
            raise UnsupportedModelError(self.problems, self.graph.name)
        for node in self.nodes:
            self._convert_node(node)
        outs = []
        for vi in g.output:
            v = self._output(vi.name)
            if v is not None:
                outs.append(v)
        if self.problems:
            raise UnsupportedModelError(self.problems, self.graph.name)
        if not outs:
            raise FrontendError(f"model {self.graph.name!r} has no outputs")
        self.graph.set_outputs(outs)
        self.graph.verify()
        self.graph.meta_log = list(self.log)  # type: ignore[attr-defined]
        return self.graph

    def _input_order(self, name: str, rank: int) -> tuple[int, ...]:
        """Channels-last for an input of rank >= 3 (batch included) that reaches a
        spatial op through layout-neutral ops; the ONNX order otherwise."""
        if rank < 3:
            return layout.identity_order(rank - 1)
        frontier, seen = [name], {name}
        while frontier:
            cur = frontier.pop()
            for n in self.nodes:
                if cur not in n.inputs:
                    continue
                if n.op_type in SPATIAL_OPS:
                    return layout.channels_last_order(rank - 1)
                if n.op_type in LAYOUT_NEUTRAL:
                    for o in n.outputs:
                        if o and o not in seen:
                            seen.add(o)
                            frontier.append(o)
        return layout.identity_order(rank - 1)

    def _add_input(self, vi: Any) -> None:
        from onnx import TensorProto

        tt = vi.type.tensor_type
        label = (vi.name, "graph input, ai.onnx")
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim] if tt.HasField("shape") else []
        shown = (
            tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in tt.shape.dim)
            if tt.HasField("shape")
            else "unknown"
        )
        if tt.elem_type not in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BFLOAT16):
            self.problems.append(
                (
                    *label,
                    f"input element type {TensorProto.DataType.Name(tt.elem_type)} is not "
                    "supported (float inputs only)",
                )
            )
        if len(dims) < 2 or any(d is None or d < 1 for d in dims[1:]):
            symbolic = [i for i, d in enumerate(dims) if i > 0 and d is None]
            zero = [i for i, d in enumerate(dims) if i > 0 and d is not None and d < 1]
            why = (
                "there is no batch axis" if len(dims) < 2
                else f"axis {symbolic[0]} is dynamic ({shown[symbolic[0]]!r})" if symbolic
                else f"axis {zero[0]} is zero-sized"
            )
            self.problems.append(
                (
                    *label,
                    f"input shape {shown}: {why}; hlsflow needs a batch axis and a fixed size of at least 1 on every "
                    "other axis: export with a fixed input shape (only the batch axis may be dynamic)",
                )
            )
            dims = [1, *(d if d else 1 for d in dims[1:])] if len(dims) >= 2 else [1, 1]
        if dims[0]:
            self.batch = int(dims[0])
        onnx_shape = tuple(int(d) for d in dims[1:])
        order = self._input_order(vi.name, len(dims))
        ir_shape = layout.ir_shape(onnx_shape, order)
        v = self.graph.add_input(ir_name(vi.name), TensorType(ir_shape, FloatType()))
        v.producer.meta.update(
            {
                "source_layer": vi.name,
                "source_class": "Input",
                "onnx_domain": "ai.onnx",
                "onnx_shape": onnx_shape,
                "ir_order": order,
            }
        )
        self.refs[vi.name] = Tensor(v, onnx_shape, layout.canonical(onnx_shape, order))

    def _convert_node(self, node: OnnxNode) -> None:
        ins: list[Any] = []
        for name in node.inputs:
            if not name:
                ins.append(None)
            elif name in self.refs:
                ins.append(self.refs[name])
            else:
                raise FrontendError(
                    f"node {node.name!r} ({node.op_type}) reads tensor {name!r}, which no node, input or initializer "
                    "produces (the model is truncated or not topologically sorted)"
                )
        outs: list[Ref]
        fn = self.converters.get((node.domain, node.op_type))
        try:
            unknown = [r for r in ins if isinstance(r, Unknown)]
            if (
                node.domain == ""
                and node.op_type not in NO_FOLD
                and all(r is None or isinstance(r, Const) for r in ins)
            ):
                outs = self._fold(node, ins)
            elif fn is None:
                raise LayerUnsupported(_unsupported_reason(node))
            elif unknown:
                for r in unknown:
                    if r.reason:
                        raise LayerUnsupported(r.reason)
                outs = [Unknown()] * len(node.outputs)
            else:
                outs = fn(self, node, ins)
                self._check_shapes(node, outs)
        except LayerUnsupported as exc:
            self.problems.append((*node.label, exc.reason))
            outs = self._placeholders(node)
        except (OpError, IRError) as exc:
            self.problems.append((*node.label, f"cannot be represented: {exc}"))
            outs = self._placeholders(node)
        except FrontendError:
            raise
        except ValueError as exc:  # e.g. a zero-sized dimension (TensorType refuses it)
            self.problems.append((*node.label, f"cannot be represented: {exc}"))
            outs = self._placeholders(node)
        for i, name in enumerate(node.outputs):
            if not name:
                continue
            if i < len(outs):
                self.refs[name] = outs[i]
            else:
                self.refs[name] = Unknown(
                    f"uses output {i} ({name!r}) of {node.op_type} node {node.name!r}, which hlsflow does not compute"
                )

    def _placeholders(self, node: OnnxNode) -> list[Ref]:
        """Stand-ins for an unsupported node's outputs, so that the nodes after it are
        still checked: a (channels-last) graph input of the shape ONNX shape inference
        gives, else Unknown (the graph is discarded: an error is raised at the end)."""
        outs: list[Ref] = []
        for name in node.outputs:
            dims = self.inferred.get(name)
            if not dims or len(dims) < 2 or any(not d for d in dims[1:]):
                outs.append(Unknown())
                continue
            shape = tuple(int(d) for d in dims[1:])
            order = layout.channels_last_order(len(shape)) if len(shape) >= 2 else layout.identity_order(len(shape))
            v = self.graph.add_input(
                self.free_name(f"__unsupported_{node.ir_name}"), TensorType(layout.ir_shape(shape, order), FloatType())
            )
            outs.append(Tensor(v, shape, layout.canonical(shape, order)))
        return outs

    def _fold(self, node: OnnxNode, ins: list[Any]) -> list[Ref]:
        from onnx import helper
        from onnx.reference import ReferenceEvaluator

        feeds = {name: r.array for name, r in zip(node.inputs, ins) if name and r is not None}
        try:
            g = helper.make_graph(
                [node.proto],
                "fold",
                [helper.make_empty_tensor_value_info(n) for n in feeds],
                [helper.make_empty_tensor_value_info(o) for o in node.outputs if o],
            )
            ev = ReferenceEvaluator(helper.make_model(g, opset_imports=[helper.make_opsetid("", self.opset)]))
            outs = ev.run(None, feeds)
        except Exception as exc:
            raise LayerUnsupported(f"cannot fold this constant computation: {type(exc).__name__}: {exc}") from None
        return [Const(np.asarray(o)) for o in outs]

    def _check_shapes(self, node: OnnxNode, outs: list[Ref]) -> None:
        """Cross-check against ONNX shape inference (a frontend bug otherwise)."""
        for name, r in zip(node.outputs, outs):
            want = self.inferred.get(name)
            if not isinstance(r, Tensor) or want is None or len(want) != len(r.shape) + 1:
                continue
            if any(w is not None and w != d for w, d in zip(want[1:], r.shape)):
                raise FrontendError(
                    f"node {node.name!r} ({node.op_type}): converted shape {r.shape} differs from ONNX shape "
                    f"inference {want[1:]} (batch excluded)"
                )

    def _output(self, name: str) -> Value | None:
        r = self.refs.get(name)
        label = (name, "graph output, ai.onnx")
        if isinstance(r, Unknown) or r is None:
            if r is not None and r.reason:
                self.problems.append((*label, r.reason))
            return None
        if not isinstance(r, Tensor):
            self.problems.append((*label, "a constant or integer graph output is not supported"))
            return None
        order = layout.find_order(r.idx)
        if order is None:
            self.problems.append(
                (
                    *label,
                    "the output is a flattened channels-first tensor whose element order the "
                    "channels-last hardware cannot produce; end the model with a Gemm/MatMul or "
                    "output the feature map itself",
                )
            )
            return None
        try:
            return self.materialize(r, order)
        except LayerUnsupported as exc:  # pragma: no cover - find_order guarantees the order
            self.problems.append((*label, exc.reason))
            return None


def _unsupported_reason(node: OnnxNode) -> str:
    if node.domain in QONNX_DOMAINS:
        return "QONNX op not supported (supported: Quant, IntQuant, BipolarQuant, Trunc)"
    if node.domain:
        return f"custom domain {node.domain!r} is not supported"
    if node.op_type in ("If", "Loop", "Scan"):
        return "control flow is not supported"
    if node.op_type.startswith("QLinear") or node.op_type in ("ConvInteger", "MatMulInteger"):
        return "integer-arithmetic ops are not supported; export QDQ (QuantizeLinear/DequantizeLinear) instead"
    return "op type not supported (README.md lists the supported ops); replace it or export without it"


def _model_name(model: Any, model_or_path: Any, name: str | None) -> str:
    if name:
        return name
    if isinstance(model_or_path, (str, os.PathLike)):
        return Path(model_or_path).stem
    return model.graph.name or "model"


def from_onnx(model_or_path: Any, *, name: str | None = None) -> Graph:
    """Convert an ONNX / QONNX / QDQ model (``onnx.ModelProto``, bytes or ``.onnx`` path)
    to an IR Graph.

    Raises :class:`FrontendError` when the file cannot be read or its opset is outside
    :data:`SUPPORTED_OPSETS`, and :class:`UnsupportedModelError` listing every
    unsupported node."""
    model = load_onnx_model(model_or_path)
    where = str(model_or_path) if isinstance(model_or_path, (str, os.PathLike)) else "model"
    check_opset(model, where)
    try:
        return OnnxConverter(model, _model_name(model, model_or_path, name)).convert()
    except FrontendError:
        raise
    except Exception:
        # An unexpected failure on a malformed model: say what the ONNX checker finds.
        problem = _checker_problem(model)
        if problem is None:
            raise
        raise FrontendError(f"{where}: the ONNX model is invalid (truncated or corrupted?): {problem}") from None


__all__ = [
    "Const",
    "OnnxConverter",
    "OnnxNode",
    "QLinear",
    "QONNX_DOMAINS",
    "SUPPORTED_OPSETS",
    "Tensor",
    "Unknown",
    "check_opset",
    "from_onnx",
    "ir_name",
    "load_onnx_model",
]
