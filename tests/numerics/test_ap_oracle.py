"""Bit-exact check of :func:`hlsflow.numerics.fixed.quantize` against the vendor's
``ap_fixed`` assignment semantics.

The official Xilinx ``ap_types`` headers ship inside the hls4ml wheel
(``hls4ml/templates/vivado/ap_types``); they are included from site-packages, never
copied. One C++ program (split into a few translation units that compile in parallel)
assigns raw source mantissas of ~300 (source type, target type) pairs to
``ap_[u]fixed<W,I,AP_q,AP_o>`` targets and prints the target's raw bits; hlsflow must
produce the same bits.

Compiled with -DNDEBUG: when a rounding shift exceeds the source width (source frac -
target frac > source width) the C-sim header's operator= reads the rounding bit with
``get_bit`` past the MSB and its assert aborts, although the value read is unused (the
sign bit is taken instead). Such pairs are part of the batch on purpose.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from hlsflow.ir.types import FixedType, Overflow, Rounding
from hlsflow.numerics.fixed import mant_dtype, quantize

pytestmark = pytest.mark.csim

SEED = 20240611
N_PAIRS = 300
#: Widths drawn for both sides: narrow ones, and the int64 / object boundaries. A fixed
#: menu (instead of every width 1..64) keeps the number of distinct ap_private
#: instantiations, and so the compile time, down.
WIDTHS = [1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 11, 16, 24, 32, 33, 48, 53, 61, 62, 63, 64]
ROUNDINGS = list(Rounding)
OVERFLOWS = list(Overflow)


def _ap_types_dir() -> Path | None:
    """The ap_types include directory of the installed hls4ml, found without importing
    hls4ml (importing it pulls in heavy optional dependencies)."""
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        d = Path(base) / "templates" / "vivado" / "ap_types"
        if (d / "ap_fixed.h").is_file():
            return d
    return None


@dataclass(frozen=True)
class Pair:
    src: FixedType
    dst: FixedType
    mants: tuple[int, ...]


def _spell(t: FixedType, modes: bool) -> str:
    kind = "ap_fixed" if t.signed else "ap_ufixed"
    if not modes:
        return f"{kind}<{t.width},{t.integer}>"
    return f"{kind}<{t.width},{t.integer},AP_{t.rounding.value},AP_{t.overflow.value}>"


def _source_values(rng: random.Random, src: FixedType, shift: int) -> tuple[int, ...]:
    """Edge mantissas of ``src`` plus exact ties / near-ties of the rounding position."""
    lo, hi = src.min_mant, src.max_mant
    vals = {lo, hi, 0, 1, -1, lo + 1, hi - 1, lo + 2, hi - 2, (lo + hi) // 2}
    if shift > 0:
        half = 1 << (shift - 1)
        for _ in range(8):
            q = rng.randint(lo >> shift, hi >> shift)
            for d in (-1, 0, 1):
                vals.add((q << shift) + half + d)
        for q in (lo >> shift, hi >> shift, 0, -1):
            vals.update({(q << shift) + half, (q << shift) + half - 1, (q << shift) + half + 1, q << shift})
    for _ in range(8):
        vals.add(rng.randint(lo, hi))
    return tuple(sorted(v for v in vals if lo <= v <= hi))


def _make_pairs() -> list[Pair]:
    rng = random.Random(SEED)
    pairs = []
    for k in range(N_PAIRS):
        # Cycle through every rounding x overflow x target signedness combination.
        rounding = ROUNDINGS[k % len(ROUNDINGS)]
        overflow = OVERFLOWS[(k // len(ROUNDINGS)) % len(OVERFLOWS)]
        signed = (k // (len(ROUNDINGS) * len(OVERFLOWS))) % 2 == 0
        w = rng.choice(WIDTHS)
        i = rng.choice([rng.randint(-8, w + 8), rng.randint(-3, 3), w, w + rng.randint(1, 8), -rng.randint(1, 8)])
        dst = FixedType(w, i, signed, rounding, overflow)
        w2 = rng.choice(WIDTHS)
        # Source fractional bits relative to the target's: mostly close (rounding and
        # overflow both active), sometimes far on either side (shifts past either width).
        delta = rng.choice([rng.randint(-4, 8), rng.randint(-4, 8), rng.randint(-70, 70), 0, 1])
        src = FixedType(w2, w2 - (dst.frac + delta), rng.random() < 0.6)
        pairs.append(Pair(src, dst, _source_values(rng, src, delta)))
    return pairs


_PROGRAM = r"""\
#include <ap_fixed.h>
#include <cstdio>

template <class S, class T>
static void run(FILE* in) {
  unsigned n;
  if (fscanf(in, "%u", &n) != 1) { fprintf(stderr, "bad input\n"); return; }
  for (unsigned k = 0; k < n; ++k) {
    unsigned long long raw;
    if (fscanf(in, "%llx", &raw) != 1) { fprintf(stderr, "bad input\n"); return; }
    S s;
    s.setBits(raw);  // raw two's-complement bits of the source mantissa
    T t = s;         // the assignment under test: quantisation + overflow of T
    // t.V is the raw ap_private of T (sign-extended to 64 bits when signed).
    printf("%llx\n", (unsigned long long)t.V.to_uint64());
  }
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  FILE* in = fopen(argv[1], "r");
  if (!in) return 3;
@CALLS@
  return 0;
}
"""


def _build_and_run(pairs: list[Pair], ap_dir: Path, tmp: Path) -> list[list[int]]:
    parts = max(1, min(os.cpu_count() or 1, 8))
    chunks = [list(range(p, len(pairs), parts)) for p in range(parts)]
    procs = []
    for p, idx in enumerate(chunks):
        calls = "\n".join(f"  run<{_spell(pairs[k].src, False)}, {_spell(pairs[k].dst, True)} >(in);" for k in idx)
        (tmp / f"oracle{p}.cpp").write_text(_PROGRAM.replace("@CALLS@", calls))
        with open(tmp / f"oracle{p}.in", "w") as f:
            for k in idx:
                mask = (1 << pairs[k].src.width) - 1
                f.write(f"{len(pairs[k].mants)}\n" + "".join(f"{m & mask:x}\n" for m in pairs[k].mants))
        cmd = ["g++", "-std=c++14", "-O1", "-w", "-DNDEBUG", "-I", str(ap_dir), f"oracle{p}.cpp", "-o", f"oracle{p}"]
        procs.append(subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"g++ failed:\n{err[-4000:]}"
    results: list[list[int]] = [[] for _ in pairs]
    for p, idx in enumerate(chunks):
        run = subprocess.run(
            [str(tmp / f"oracle{p}"), f"oracle{p}.in"], cwd=tmp, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0 and not run.stderr, run.stderr
        lines = iter(run.stdout.split())
        for k in idx:
            mask = (1 << pairs[k].dst.width) - 1  # t.V of a signed T comes sign-extended
            results[k] = [int(next(lines), 16) & mask for _ in pairs[k].mants]
        assert next(lines, None) is None
    return results


def _require(ok: bool, reason: str) -> None:
    """Skip when a prerequisite is missing -- except in CI, where that is an error (the
    same policy as tests/conftest.py applies to g++)."""
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _signed_value(bits: int, t: FixedType) -> int:
    return bits - (1 << t.width) if t.signed and bits >> (t.width - 1) else bits


def test_pairs_cover_every_mode():
    pairs = _make_pairs()
    combos = {(p.dst.rounding, p.dst.overflow, p.dst.signed) for p in pairs}
    assert len(combos) == len(ROUNDINGS) * len(OVERFLOWS) * 2
    assert any(p.dst.width > 62 for p in pairs) and any(p.src.width > 62 for p in pairs)
    assert any(p.dst.integer < 0 for p in pairs) and any(p.dst.integer > p.dst.width for p in pairs)
    assert any(p.src.frac - p.dst.frac >= 64 for p in pairs)


def test_quantize_matches_ap_fixed(tmp_path: Path):
    ap_dir = _ap_types_dir()
    _require(ap_dir is not None, "hls4ml (which ships the Xilinx ap_types headers) is not installed")
    _require(shutil.which("g++") is not None, "g++ not found on PATH")
    assert ap_dir is not None
    pairs = _make_pairs()
    oracle = _build_and_run(pairs, ap_dir, tmp_path)
    mismatches = []
    for pair, want_bits in zip(pairs, oracle):
        mant = np.array(list(pair.mants), dtype=mant_dtype(pair.src.width))
        try:
            got = quantize(mant, pair.src.frac, pair.dst)
        except Exception as exc:  # report every failing pair, not just the first
            mismatches.append(f"{pair.src} -> {pair.dst}: quantize raised {exc!r}")
            continue
        mask = (1 << pair.dst.width) - 1
        for m, g, w in zip(pair.mants, got.tolist(), want_bits):
            if int(g) & mask != w:
                mismatches.append(
                    f"{pair.src} mant {m} -> {pair.dst}: ap_fixed {_signed_value(w, pair.dst)}, hlsflow {int(g)}"
                )
    n = sum(len(p.mants) for p in pairs)
    assert not mismatches, f"{len(mismatches)} of {n} assignments differ:\n" + "\n".join(mismatches[:40])
