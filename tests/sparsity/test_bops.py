"""BOPs (Baskin et al.): the jet-MLP check values of SPARSITY.md section 5."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hlsflow.sparsity.bops import LayerBops, dense_bops, kept_fraction, mlp_bops

JET = (16, 64, 32, 32, 5)


@pytest.mark.parametrize(
    ("bits", "kept", "want"),
    [
        (32, 1.0, 4_652_832),
        (12, 1.0, 1_003_552),
        (8, 1.0, 583_968),
        (6, 1.0, 412_960),
        (4, 1.0, 267_808),
        (6, 0.2, 162_592),
    ],
)
def test_jet_mlp_check_values(bits: int, kept: float, want: int) -> None:
    layers = mlp_bops(JET, bits, input_bits=32, kept=kept)
    assert sum(layer.bops for layer in layers) == pytest.approx(want, abs=1e-6)


def test_first_layer_reads_the_input_width_later_ones_the_weights() -> None:
    layers = mlp_bops(JET, 6)
    assert [layer.bits_input for layer in layers] == [32, 6, 6, 6]
    assert layers[0] == LayerBops(16, 64, 6, 32, 1.0)
    assert layers[0].bops == 64 * 16 * (32 * 6 + 32 + 6 + 4)


def test_formula_and_kept_fraction() -> None:
    assert dense_bops(10, 3, 4, 8, kept=0.5) == pytest.approx(30 * (0.5 * 32 + 12 + math.log2(10)))
    kernel = np.array([[0.0, 1.0], [2.0, 0.0]])
    assert kept_fraction(kernel) == 0.5
    assert kept_fraction(kernel, np.array([1.0, 0.0])) == pytest.approx(3 / 6)
    per_layer = mlp_bops((4, 3, 2), 8, kept=[1.0, 0.0])
    assert per_layer[1].bops == dense_bops(3, 2, 8, 8, 0.0)


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError):
        dense_bops(0, 3, 8, 8)
    with pytest.raises(ValueError):
        dense_bops(3, 3, 8, 8, kept=1.5)
    with pytest.raises(ValueError):
        mlp_bops((4,), 8)
    with pytest.raises(ValueError):
        mlp_bops((4, 3, 2), 8, kept=[1.0])
