"""Quantisation-aware pruning (QAP) of QKeras / tf_keras models with plain tf_keras
training loops and callbacks (tensorflow-model-optimization is not needed).

Two ways to prune while training a quantised model:

* **Per-layer schedules** (:func:`prune_with_schedule`, :class:`ScheduledPruning`): each
  layer follows a :class:`ConstantSparsity` or :class:`PolynomialDecay` schedule. At a
  pruning step the layer keeps its ``round((1 - s) * size)`` largest ``|w|`` (or what a
  :class:`MaskSelector` picks); between steps and after the last one the masks are fixed.
* **Global iterative magnitude pruning** ("Ps and Qs", :func:`iterative_pruning`):
  train to early stop, prune globally by ``|w|`` to the next cumulative sparsity of
  :data:`PS_AND_QS_SPARSITIES` (each step removes a fraction of the weights still alive),
  then either fine-tune the surviving weights (``mode="finetune"``, FT) or rewind them to
  their initial values and retrain (``mode="rewind"``, the lottery-ticket LT variant).

Masks are fixed where they should be: after every optimiser step the masks are applied
again (:class:`MaskCallback`), so a pruned weight is zero in every forward pass and
never regrows; the selectors only ever remove weights. QKeras's own kernel constraints
stay untouched.

Sparsity and BOPs are counted after quantisation (:func:`sparsity_report`): a weight
the quantiser rounds to zero costs nothing in hardware, so the reported sparsity is at
least the masks' own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hlsflow.sparsity.pai_alloc import PruningError, frozen_masks
from hlsflow.sparsity.pai_keras import (
    PrunableKernel,
    apply_masks,
    check_masks,
    prunable_kernels,
    tf,
    tf_keras,
)
from hlsflow.sparsity.qap_quant import (
    LayerSparsity,
    QuantisedKernel,
    SparsityReport,
    quantised_kernels,
    sparsity_report,
)
from hlsflow.sparsity.qap_schedule import (
    PS_AND_QS_SPARSITIES,
    ConstantSparsity,
    GlobalRequest,
    MagnitudeSelector,
    MaskSelector,
    PolynomialDecay,
    Schedule,
    kept_for,
    schedule_for,
    total_size,
)

Data = tuple[np.ndarray, np.ndarray]


class _MaskState:
    """Masks of a model's prunable kernels and their TensorFlow constants."""

    def __init__(self, model: Any, masks: Mapping[str, np.ndarray] | None) -> None:
        self.kernels: list[PrunableKernel] = prunable_kernels(model)
        if masks is None:
            masks = {k.name: np.ones(k.shape, dtype=bool) for k in self.kernels}
        check_masks(self.kernels, masks)
        self.masks = {n: np.array(m, dtype=bool) for n, m in masks.items()}
        self._tensors = {k.name: self._tensor(k) for k in self.kernels}

    def _tensor(self, k: PrunableKernel) -> Any:
        return tf.constant(self.masks[k.name], dtype=k.variable.dtype)

    def set(self, name: str, mask: np.ndarray) -> None:
        self.masks[name] = np.array(mask, dtype=bool)
        self._tensors[name] = self._tensor(next(k for k in self.kernels if k.name == name))

    def apply(self) -> None:
        for k in self.kernels:
            k.variable.assign(k.variable * self._tensors[k.name])


class MaskCallback(tf_keras.callbacks.Callback):
    """Keeps fixed masks in force during ``fit``: applied when training begins and again
    after every batch (after the optimiser's update), so pruned weights stay zero. Keras
    calls batch hooks once per execution: keep ``steps_per_execution`` at 1 (the
    default) or pruned weights drift between executions."""

    def __init__(self, masks: Mapping[str, np.ndarray]) -> None:
        super().__init__()
        self._masks = dict(masks)
        self._state: _MaskState | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._state = _MaskState(self.model, self._masks)
        self._state.apply()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        assert self._state is not None
        self._state.apply()


class ScheduledPruning(tf_keras.callbacks.Callback):
    """Per-layer scheduled pruning during ``fit``. ``schedules`` is one schedule for every
    prunable layer or ``{layer name: schedule}`` (layers not named are not pruned).

    The step counter counts training batches across ``fit`` calls (start it elsewhere with
    ``start_step``). At the start of a batch where a layer's schedule says so, that layer's
    mask becomes what ``selector`` keeps of its live weights at the scheduled sparsity
    (never fewer pruned than before); after every batch all masks are applied again."""

    def __init__(
        self,
        schedules: Schedule | Mapping[str, Schedule],
        selector: MaskSelector | None = None,
        masks: Mapping[str, np.ndarray] | None = None,
        start_step: int = 0,
    ) -> None:
        super().__init__()
        self.schedules = schedules
        self.selector: MaskSelector = selector or MagnitudeSelector()
        self.step = start_step
        self._initial = None if masks is None else dict(masks)
        self._state: _MaskState | None = None

    @property
    def masks(self) -> dict[str, np.ndarray]:
        """The current masks (copies)."""
        if self._state is None:
            raise PruningError("training has not started yet")
        return {n: m.copy() for n, m in self._state.masks.items()}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self._state is None:
            self._state = _MaskState(self.model, self._initial)
        self._state.apply()

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        assert self._state is not None
        changed = False
        for k in self._state.kernels:
            sched = schedule_for(self.schedules, k.name)
            if sched is None or not sched.should_prune(self.step):
                continue
            mask = self._state.masks[k.name]
            keep = min(int(mask.sum()), kept_for(sched.sparsity(self.step), mask.size))
            self._state.set(k.name, self.selector.select_layer(k.value, mask, keep, k.kind))
            changed = True
        if changed:
            self._state.apply()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        assert self._state is not None
        self._state.apply()
        self.step += 1


# -- training helpers -------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainConfig:
    """Training of each QAP round: Adam at ``learning_rate``, ``batch_size``, at most
    ``epochs`` epochs; with ``patience > 0`` early stopping on the validation loss (the
    training loss without validation data), restoring the best epoch's weights."""

    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 3e-3
    patience: int = 10
    verbose: int = 0


def _ends_in_softmax(model: Any) -> bool:
    last = model.layers[-1]
    act = getattr(last, "activation", None)
    return type(last).__name__ == "Softmax" or getattr(act, "__name__", "") == "softmax"


def compile_model(model: Any, learning_rate: float) -> None:
    """Compile for classification with integer labels: Adam, sparse cross-entropy (from
    logits unless the model ends in a softmax), accuracy. Recompiling resets Adam."""
    model.compile(
        optimizer=tf_keras.optimizers.Adam(learning_rate),
        loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=not _ends_in_softmax(model)),
        metrics=["accuracy"],
    )


def fit(model: Any, train: Data, config: TrainConfig, callbacks: Sequence[Any], validation: Data | None = None) -> int:
    """Compile, then ``fit`` with ``callbacks`` (plus early stopping when configured).
    Returns the number of epochs run."""
    compile_model(model, config.learning_rate)
    cbs = list(callbacks)
    if config.patience > 0:
        cbs.append(
            tf_keras.callbacks.EarlyStopping(
                monitor="val_loss" if validation is not None else "loss",
                patience=config.patience,
                restore_best_weights=True,
            )
        )
    hist = model.fit(
        np.asarray(train[0], dtype=np.float32),
        np.asarray(train[1]),
        epochs=config.epochs,
        batch_size=config.batch_size,
        validation_data=None if validation is None else (np.asarray(validation[0], dtype=np.float32), validation[1]),
        callbacks=cbs,
        verbose=config.verbose,
        shuffle=True,
    )
    return len(hist.history.get("loss", []))


def accuracy(model: Any, data: Data) -> float:
    """Top-1 accuracy of ``model`` on ``data = (x, y)`` with integer labels."""
    pred = model.predict(np.asarray(data[0], dtype=np.float32), batch_size=1024, verbose=0)
    return float(np.mean(np.argmax(pred, axis=-1) == np.asarray(data[1]).reshape(-1)))


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class QapRound:
    """One QAP round: the sparsity asked for, what the masks prune, the zeros after
    quantisation, accuracy on the evaluation data, BOPs, epochs trained, and the masks."""

    index: int
    target_sparsity: float
    mask_sparsity: float
    sparsity: float
    accuracy: float
    bops: float
    epochs: int
    masks: Mapping[str, np.ndarray]
    report: SparsityReport


@dataclass(frozen=True)
class QapResult:
    """All rounds of a QAP run. ``mode`` is ``finetune``, ``rewind`` or ``schedule``."""

    mode: str
    selector: str
    rounds: tuple[QapRound, ...]

    @property
    def final(self) -> QapRound:
        return self.rounds[-1]

    @property
    def masks(self) -> Mapping[str, np.ndarray]:
        return self.final.masks

    def format(self) -> str:
        lines = [
            f"QAP ({self.mode}, {self.selector}): round, target, mask sparsity, sparsity after quantisation, accuracy, BOPs, epochs"
        ]
        for r in self.rounds:
            lines.append(
                f"{r.index:>3} {100 * r.target_sparsity:6.1f}% {100 * r.mask_sparsity:6.2f}% {100 * r.sparsity:6.2f}% "
                f"{100 * r.accuracy:6.2f}% {r.bops:>12,.0f} {r.epochs:>4}"
            )
        return "\n".join(lines)


def _round(
    index: int, target: float, model: Any, masks: Mapping[str, np.ndarray], evaluate: Data, epochs: int, input_bits: int
) -> QapRound:
    rep = sparsity_report(model, masks, input_bits)
    return QapRound(
        index,
        target,
        rep.mask_sparsity,
        rep.sparsity,
        accuracy(model, evaluate),
        rep.bops,
        epochs,
        frozen_masks(masks),
        rep,
    )


def _selector_name(selector: Any) -> str:
    return type(selector).__name__.replace("Selector", "").lower()


def prune_with_schedule(
    model: Any,
    train: Data,
    schedules: Schedule | Mapping[str, Schedule],
    *,
    validation: Data | None = None,
    test: Data | None = None,
    config: TrainConfig = TrainConfig(patience=0),
    selector: MaskSelector | None = None,
    input_bits: int = 32,
    callbacks: Sequence[Any] = (),
) -> QapResult:
    """Train ``model`` for ``config.epochs`` while each layer follows its schedule (early
    stopping is off by default: it would cut a schedule short). One round in the result,
    evaluated on ``test`` (else ``validation``, else ``train``); ``callbacks`` go to
    ``fit`` after the pruning callback."""
    cb = ScheduledPruning(schedules, selector)
    epochs = fit(model, train, config, [cb, *callbacks], validation)
    masks = cb.masks
    apply_masks(model, masks)
    final = max((s.sparsity(cb.step) for s in _all_schedules(schedules)), default=0.0)
    rnd = _round(0, final, model, masks, test or validation or train, epochs, input_bits)
    return QapResult("schedule", _selector_name(cb.selector), (rnd,))


def _all_schedules(schedules: Schedule | Mapping[str, Schedule]) -> list[Schedule]:
    return list(schedules.values()) if isinstance(schedules, Mapping) else [schedules]


def iterative_pruning(
    model: Any,
    train: Data,
    *,
    validation: Data | None = None,
    test: Data | None = None,
    sparsities: Sequence[float] = PS_AND_QS_SPARSITIES,
    mode: Literal["finetune", "rewind"] = "finetune",
    config: TrainConfig = TrainConfig(),
    selector: MaskSelector | None = None,
    input_bits: int = 32,
    on_round: Callable[[QapRound], None] | None = None,
    callbacks: Sequence[Any] = (),
) -> QapResult:
    """Ps-and-Qs global iterative pruning (module docstring). For each cumulative
    sparsity ``s`` in ``sparsities`` (non-decreasing): prune globally to ``s`` with
    ``selector`` (default: magnitude), rewind the survivors to their initial values when
    ``mode == "rewind"``, then train to early stop with the masks fixed. Each round is
    evaluated on ``test`` (else ``validation``, else ``train``) and passed to ``on_round``;
    ``callbacks`` go to every round's ``fit`` after the mask callback."""
    if mode not in ("finetune", "rewind"):
        raise PruningError(f"mode must be 'finetune' or 'rewind', got {mode!r}")
    if any(b < a for a, b in zip(sparsities, sparsities[1:])):
        raise PruningError(f"sparsities must not decrease: {list(sparsities)}")
    selector = selector or MagnitudeSelector()
    state = _MaskState(model, None)
    kinds = {k.name: k.kind for k in state.kernels}
    size = total_size(state.masks)
    initial = model.get_weights()
    evaluate = test or validation or train
    rounds = []
    for i, s in enumerate(sparsities):
        keep = kept_for(s, size)
        if keep < sum(int(m.sum()) for m in state.masks.values()):
            weights = {k.name: k.value for k in state.kernels}
            for name, m in selector.select_global(GlobalRequest(weights, state.masks, keep, kinds)).items():
                state.set(name, m)
        if mode == "rewind" and i > 0:
            model.set_weights(initial)
        state.apply()
        epochs = fit(model, train, config, [MaskCallback(state.masks), *callbacks], validation)
        rnd = _round(i, s, model, state.masks, evaluate, epochs, input_bits)
        rounds.append(rnd)
        if on_round is not None:
            on_round(rnd)
    return QapResult(mode, _selector_name(selector), tuple(rounds))


__all__ = [
    "PS_AND_QS_SPARSITIES",
    "ConstantSparsity",
    "GlobalRequest",
    "LayerSparsity",
    "MagnitudeSelector",
    "MaskCallback",
    "MaskSelector",
    "PolynomialDecay",
    "QapResult",
    "QapRound",
    "QuantisedKernel",
    "ScheduledPruning",
    "SparsityReport",
    "TrainConfig",
    "accuracy",
    "apply_masks",
    "compile_model",
    "fit",
    "iterative_pruning",
    "prune_with_schedule",
    "quantised_kernels",
    "sparsity_report",
]
