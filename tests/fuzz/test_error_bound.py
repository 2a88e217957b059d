"""Property: for float-sourced models under generous precisions, the emulator is within
a bound derived from the types of the float64 reference (``prj.reference``).

The bound (``error_bounds.propagate``; its docstring states the derivation) accumulates,
layer by layer, the rounding of every assignment to a type, the quantisation of every
parameter, the quantised op constants and lookup tables, and float64 evaluation; it is
computed from the converted graph's types and parameters, never fitted to outputs.
Only the emulator runs (no g++), so the default profile draws many examples
(HLSFLOW_BOUND_CASES, default 100) and CI's slow profile HLSFLOW_BOUND_DEEP (default 1000).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from error_bounds import assignment_bound, propagate, rounding_step, violations
from fuzz_models import Case, bounded_models
from fuzz_tally import tally
from hypothesis import HealthCheck, given, settings

import hlsflow
from hlsflow.ir.types import FixedType, Overflow, Rounding
from hlsflow.numerics.fixed import from_float, to_float

SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large]


def check_bound(case: Case) -> tuple[int, float]:
    """Assert ``|emulate - reference| <= bound`` elementwise; return the number of values
    compared and the largest ratio of the error to its bound."""
    prj = hlsflow.convert(case.graph, config=case.config)
    got = prj.emulate(case.x)
    ref = prj.reference(case.x)
    b = propagate(prj.graph, case.x)
    assert isinstance(got, np.ndarray) and isinstance(ref, np.ndarray)
    # the bound is about the very reference the public API computes
    np.testing.assert_array_equal(b.reference[0], ref)
    bound = b.bound[0]
    per_node = "\n".join(f"  {k}: {v:.3g}" for k, v in b.per_node.items())
    assert np.isfinite(bound).all(), (
        f"a wrapping type may overflow, so no bound exists: the strategy must only draw generous types\n"
        f"{case.description}\nlargest bound per node:\n{per_node}\n{prj.graph}"
    )
    bad = violations(got, ref, bound)
    if bad.any():
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        pytest.fail(
            f"{int(bad.sum())} of {bad.size} values exceed the error bound, first at {i}: emulate {got[i]!r}, "
            f"reference {ref[i]!r}, |diff| {abs(got[i] - ref[i]):.6g} > bound {bound[i]:.6g}\n"
            f"{case.description}\nlargest bound per node:\n{per_node}\n{prj.graph}"
        )
    diff = np.abs(got - ref)
    ratio = float(np.max(np.where(bound > 0, diff / np.where(bound > 0, bound, 1.0), 0.0)))
    return int(got.size), ratio


@settings(max_examples=int(os.environ.get("HLSFLOW_BOUND_CASES", "100")), deadline=None, suppress_health_check=SUPPRESS)
@given(case=bounded_models())
def test_emulate_within_derived_bound_of_reference(case: Case) -> None:
    values, ratio = check_bound(case)
    tally("emulate ~ reference (bound), fast profile").add(values, ratio=ratio)


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("HLSFLOW_BOUND_DEEP", "1000")), deadline=None, suppress_health_check=SUPPRESS)
@given(case=bounded_models(max_layers=6, samples=500))
def test_emulate_within_derived_bound_of_reference_deep(case: Case) -> None:
    values, ratio = check_bound(case)
    tally("emulate ~ reference (bound), deep profile").add(values, ratio=ratio)


@pytest.mark.parametrize("overflow", [Overflow.SAT, Overflow.SAT_SYM, Overflow.WRAP, Overflow.SAT_ZERO])
@pytest.mark.parametrize("rounding", list(Rounding))
def test_assignment_bound_covers_every_rounding_and_overflow(rounding: Rounding, overflow: Overflow) -> None:
    """The assignment rule of error_bounds against the numerics' own quantisation: for
    values z within e of r, |assign(z) - r| <= bound(r, e); the bound is exactly
    e + step inside the range and infinite only where a wrapping type may overflow."""
    t = FixedType(8, 3, True, rounding, overflow)  # [-4, 4 - 1/32]
    rng = np.random.default_rng(7)
    r = rng.uniform(-6.0, 6.0, 20000)
    e = rng.choice([0.0, 0.01, 0.3], r.size)
    z = r + rng.uniform(-1.0, 1.0, r.size) * e
    q = to_float(from_float(z, t), t.frac)
    bound = assignment_bound(r, e, t, None)
    finite = np.isfinite(bound)
    assert (np.abs(q - r)[finite] <= bound[finite]).all()
    step = rounding_step(t, None)
    assert step == (t.lsb if rounding in (Rounding.TRN, Rounding.TRN_ZERO) else t.lsb / 2)
    inside = (r - e > -3.9) & (r + e < 3.9)
    assert (bound[inside] == e[inside] + step).all()
    assert finite.all() == (overflow in (Overflow.SAT, Overflow.SAT_SYM))
