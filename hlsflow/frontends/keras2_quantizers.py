"""QKeras quantizers read from a saved configuration, without QKeras or TensorFlow.

Used by :mod:`hlsflow.frontends.keras2_h5` to convert QKeras ``.h5`` / ``.json`` files
with the same result as the live QKeras path; anything this module cannot reproduce
exactly raises :class:`NotHandled`, and the file goes to the tf_keras path instead.

QKeras (0.9 semantics): ``QDense``, ``QConv1D``, ``QConv2D``, ``QDepthwiseConv2D``,
``QSeparableConv2D``, ``QBatchNormalization`` and ``QActivation`` are read when every
quantizer is one whose effect follows from its configuration alone:

* activation quantizers (``QActivation``, or ``activation=`` of a Q-layer):
  ``quantized_bits``, ``quantized_relu``, and ``quantized_tanh`` / ``quantized_sigmoid``
  with ``use_real_tanh`` / ``use_real_sigmoid``. They become the same
  :class:`ConfigQuantizer` attributes (bits, integer, keep_negative, alpha, ...) that
  :mod:`hlsflow.frontends.qkeras` reads from a live quantizer. The hard / smooth
  ``quantized_tanh`` and ``quantized_sigmoid`` depend on QKeras's process-wide internal
  sigmoid (``set_internal_sigmoid``) and are left to the tf_keras path.
* weight quantizers: ``quantized_bits`` with ``alpha`` None (a bias, beta, mean or
  variance quantizer; QKeras turns a kernel's None into ``"auto_po2"``) or a power of two,
  ``integer`` in [0, 30], at least one bit besides the sign, no stochastic rounding,
  ``qnoise_factor`` 1 and the straight-through form (``use_ste``). QKeras computes these
  in float32 with a fixed sequence of operations (scale by ``2**(bits-keep_negative)``
  and ``2**-integer``, round half to even, clip, scale back, times alpha, then
  ``x + (-x + xq)``); :func:`quantized_bits_values` replays that sequence in numpy
  float32, which rounds every operation the same way (IEEE-754 round to nearest even),
  so the quantised values are bit-identical. ``auto_po2`` scales, binary, ternary,
  po2 and the other quantizers are left to the tf_keras path.

Quantizer strings (``"quantized_relu(6,2)"``) are parsed as QKeras's ``safe_eval`` does
(positional then keyword arguments; ``True``/``False``, ``int()``, ``float()``, quoted
strings); anything that parser would read differently from Python is not handled.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np

from hlsflow.ir.constant import Constant


class NotHandled(Exception):
    """The file uses something this reader cannot reproduce exactly; the tf_keras path
    must convert it. ``reason`` names the layer / attribute / feature."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: QKeras functions whose names are also Keras activation names: a Q-layer given one of
#: these strings gets QKeras's function (e.g. ``clip(0.5 x + 0.5, 0, 1)``), not Keras's.
_QKERAS_SHADOWED_ACTIVATIONS = frozenset({"hard_sigmoid"})


def _keras_activation_names() -> frozenset[str]:
    from hlsflow.frontends.keras import _KERAS_ACTIVATIONS

    return frozenset({"linear", "softmax", *_KERAS_ACTIVATIONS})


# -- QKeras quantizers from their configuration ------------------------------------------------
class ConfigQuantizer:
    """A QKeras quantizer given by its constructor arguments, without QKeras.

    Subclasses carry QKeras's class name (:mod:`hlsflow.frontends.qkeras` dispatches on
    it) and ``PARAMS``: the constructor's parameters with their defaults, in signature
    order (QKeras 0.9). Every parameter becomes an attribute, as in QKeras's
    constructors; nothing else is set. ``qkeras_config_stand_in`` makes
    :func:`~hlsflow.frontends.keras.is_qkeras_quantizer` accept the object.
    """

    qkeras_config_stand_in: ClassVar[bool] = True
    PARAMS: ClassVar[tuple[tuple[str, Any], ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = [n for n, _ in self.PARAMS]
        kind = type(self).__name__
        if len(args) > len(names):
            raise NotHandled(f"{kind} takes at most {len(names)} arguments, got {len(args)}")
        given = dict(zip(names, args))
        unknown = sorted(set(kwargs) - set(names))
        twice = sorted(set(kwargs) & set(given))
        if unknown or twice:
            raise NotHandled(f"{kind}: unexpected or repeated arguments {unknown + twice}")
        values = dict(self.PARAMS)
        values.update(given)
        values.update(kwargs)
        self._values = values
        for k, v in values.items():
            setattr(self, k, v)

    def get_config(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n, _ in self.PARAMS}

    def set_trainable_parameter(self) -> None:
        """What QKeras's ``_set_trainable_parameter`` does (kernels, gamma): nothing here."""

    def __str__(self) -> str:
        defaults = dict(self.PARAMS)
        args = [f"{n}={getattr(self, n)!r}" for n, _ in self.PARAMS if getattr(self, n) != defaults[n]]
        return f"{type(self).__name__}({','.join(args)})"

    __repr__ = __str__


class quantized_bits(ConfigQuantizer):  # noqa: N801 -- QKeras's class name, which the qkeras frontend reads
    # attributes as read from JSON (set from PARAMS by ConfigQuantizer.__init__)
    bits: Any
    integer: Any
    symmetric: Any
    keep_negative: Any
    alpha: Any
    use_stochastic_rounding: Any
    scale_axis: Any
    qnoise_factor: Any
    var_name: Any
    use_ste: Any
    use_variables: Any
    PARAMS = (
        ("bits", 8),
        ("integer", 0),
        ("symmetric", 0),
        ("keep_negative", True),
        ("alpha", None),
        ("use_stochastic_rounding", False),
        ("scale_axis", None),
        ("qnoise_factor", 1.0),
        ("var_name", None),
        ("use_ste", True),
        ("use_variables", False),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.alpha, str):  # QKeras: "auto*" alphas imply symmetric
            self.symmetric = True

    def set_trainable_parameter(self) -> None:
        if self.alpha is None:
            self.alpha = "auto_po2"
            self.symmetric = True


class quantized_relu(ConfigQuantizer):  # noqa: N801
    bits: Any
    integer: Any
    use_sigmoid: Any
    negative_slope: Any
    use_stochastic_rounding: Any
    relu_upper_bound: Any
    is_quantized_clip: Any
    qnoise_factor: Any
    var_name: Any
    use_ste: Any
    use_variables: Any
    PARAMS = (
        ("bits", 8),
        ("integer", 0),
        ("use_sigmoid", 0),
        ("negative_slope", 0.0),
        ("use_stochastic_rounding", False),
        ("relu_upper_bound", None),
        ("is_quantized_clip", True),
        ("qnoise_factor", 1.0),
        ("var_name", None),
        ("use_ste", True),
        ("use_variables", False),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ns = self.negative_slope
        # QKeras asserts a non-negative power-of-two slope when it builds the quantizer.
        if not _is_number(ns) or ns < 0 or (ns != 0 and float(np.log2(float(ns))) % 1 != 0):
            raise NotHandled(f"quantized_relu negative_slope={ns!r} is not 0 or a power of two")


class quantized_tanh(ConfigQuantizer):  # noqa: N801
    bits: Any
    use_stochastic_rounding: Any
    symmetric: Any
    use_real_tanh: Any
    PARAMS = (("bits", 8), ("use_stochastic_rounding", False), ("symmetric", False), ("use_real_tanh", False))


class quantized_sigmoid(ConfigQuantizer):  # noqa: N801
    bits: Any
    symmetric: Any
    use_real_sigmoid: Any
    use_stochastic_rounding: Any
    PARAMS = (("bits", 8), ("symmetric", False), ("use_real_sigmoid", False), ("use_stochastic_rounding", False))


QUANTIZER_CLASSES: dict[str, type[ConfigQuantizer]] = {
    c.__name__: c for c in (quantized_bits, quantized_relu, quantized_tanh, quantized_sigmoid)
}

_NAME_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\(([^()]*)\))?")
_KEY = re.compile(r"[^=,)\s]+")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _literal(text: str) -> Any:
    """One argument as QKeras's ``GetArg`` reads it (bool, then ``int()``, then
    ``float()``, then a quoted string); anything it would mangle is not handled."""
    if text in ("True", "False"):
        return text == "True"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    raise NotHandled(f"cannot read quantizer argument {text!r} exactly as QKeras does")


def _parse_call(spec: str) -> tuple[str, list[Any], dict[str, Any]] | None:
    """``"name(args)"`` -> (name, positional, keyword) as QKeras's ``safe_eval`` splits it,
    or None when the string is not of that plain form."""
    m = _NAME_CALL.fullmatch(spec)
    if m is None:
        return None
    name, inner = m.group(1), m.group(2)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if inner is None or not inner.strip():
        return name, args, kwargs
    for item in inner.split(","):
        item = item.lstrip()
        if "=" in item:
            key, value = item.split("=", 1)
            key, value = key.rstrip(), value.lstrip()
            if not _KEY.fullmatch(key) or value != value.rstrip():
                raise NotHandled(f"cannot read quantizer {spec!r} exactly as QKeras does")
            kwargs[key] = _literal(value)
        else:
            item = item.rstrip()
            if kwargs or not _KEY.fullmatch(item):  # QKeras refuses positionals after keywords
                raise NotHandled(f"cannot read quantizer {spec!r} exactly as QKeras does")
            args.append(_literal(item))
    return name, args, kwargs


def parse_quantizer(spec: Any) -> ConfigQuantizer | None:
    """The quantizer of a saved QKeras spec (``"quantized_relu(6,2)"`` or
    ``{"class_name": ..., "config": {...}}``), or None when ``spec`` names no quantizer
    class this reader knows (a Keras / QKeras function name, or another quantizer)."""
    if isinstance(spec, dict):
        cls = QUANTIZER_CLASSES.get(str(spec.get("class_name")))
        if cls is None:
            return None
        if spec.get("registered_name") not in (None, cls.__name__):
            raise NotHandled(f"quantizer {spec.get('registered_name')!r} is a registered custom object")
        conf = spec.get("config")
        if not isinstance(conf, dict):
            raise NotHandled(f"quantizer {cls.__name__} has no configuration")
        return cls(**conf)
    if isinstance(spec, str):
        parsed = _parse_call(spec)
        if parsed is None:
            raise NotHandled(f"cannot read quantizer {spec!r} exactly as QKeras does")
        name, args, kwargs = parsed
        cls = QUANTIZER_CLASSES.get(name)
        if cls is None:
            return None
        return cls(*args, **kwargs)
    raise NotHandled(f"cannot read quantizer {spec!r}")


def activation_spec(spec: Any, where: str) -> Any:
    """A Q-layer's ``activation`` as QKeras resolves it: a quantizer, or a Keras
    activation name; NotHandled for anything else."""
    if spec is None:
        return "linear"
    q = parse_quantizer(spec)
    if q is None:
        if isinstance(spec, str) and spec in _keras_activation_names() and spec not in _QKERAS_SHADOWED_ACTIVATIONS:
            return spec
        raise NotHandled(f"{where}: activation {spec!r} is not read without QKeras")
    hard_tanh = isinstance(q, quantized_tanh) and not q.use_real_tanh
    if hard_tanh or (isinstance(q, quantized_sigmoid) and not q.use_real_sigmoid):
        raise NotHandled(f"{where}: {q} depends on QKeras's internal sigmoid setting")
    return q


def weight_quantizer(spec: Any, trainable: bool, where: str) -> quantized_bits:
    q = parse_quantizer(spec)
    if not isinstance(q, quantized_bits):
        raise NotHandled(f"{where}: weight quantizer {spec!r} is not read without QKeras")
    if trainable:
        q.set_trainable_parameter()
    bits, integer, alpha = q.bits, q.integer, q.alpha
    ok = (
        isinstance(bits, int)
        and not isinstance(bits, bool)
        and isinstance(integer, int)
        and not isinstance(integer, bool)
        and 0 <= integer <= 30
        and q.keep_negative in (0, 1)  # True/False too
        and q.symmetric in (0, 1)
        and bits - int(q.keep_negative) >= 1
        and (alpha is None or (_is_number(alpha) and alpha > 0 and float(np.frexp(float(alpha))[0]) == 0.5))
        and q.use_stochastic_rounding in (0, False)
        and _is_number(q.qnoise_factor)
        and q.qnoise_factor == 1
        and q.use_ste is True
        and q.use_variables in (0, False)
    )
    if not ok:
        raise NotHandled(f"{where}: {q} is not replayed without QKeras")
    return q


def quantized_bits_values(q: quantized_bits, values: np.ndarray) -> np.ndarray:
    """What QKeras 0.9's ``quantized_bits.__call__`` returns for ``values`` (alpha None or
    a number; the options :func:`weight_quantizer` accepts), as float32: the same
    float32 operations in the same order (see the module docstring)."""
    f32 = np.float32
    x = np.asarray(values, dtype=f32)
    m = f32(2 ** (q.bits - int(q.keep_negative)))
    m_i = f32(2**q.integer)
    # Overflow to inf and inf - inf = NaN happen exactly as in TensorFlow (and NaN then
    # fails the grid check); they are not worth numpy's warnings.
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        p = x * m / m_i
        r = p + (-p + np.rint(p))  # QKeras's straight-through round: tf.round is half to even, as rint
        lo = f32(int(q.keep_negative) * (-m + f32(int(q.symmetric))))
        c = np.clip(r, lo, m - f32(1))
        xq = m_i * c / m
        xq = f32(1.0 if q.alpha is None else q.alpha) * xq
        return x + f32(q.qnoise_factor) * (-x + xq)


def checked_values(q: quantized_bits, values: np.ndarray, what: str) -> np.ndarray:
    """``values`` quantised by ``q`` as float64 in ``values``' shape, after the checks
    :mod:`hlsflow.frontends.qkeras` applies to a live quantizer (``what`` names it in
    their errors)."""
    from hlsflow.frontends.qkeras import _check_weight_quantizer

    _check_weight_quantizer(q, what)
    return quantized_bits_values(q, values).astype(np.float64).reshape(np.shape(values))


def weight_constant(q: quantized_bits, values: np.ndarray, what: str) -> Constant:
    """The exact fixed-point Constant of ``values`` quantised by ``q``: the same checks
    and type as :func:`hlsflow.frontends.qkeras.weight_constant` applies to QKeras's own
    result (the equivalence tests compare the two paths constant by constant)."""
    from hlsflow.frontends.qkeras import grid_constant

    return grid_constant(checked_values(q, values, what), max(int(q.bits), 1), what)
