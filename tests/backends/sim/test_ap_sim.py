"""Differential tests of hlsflow's own ap_types simulation headers
(``templates/vivado/sim``: ap_fixed.h, ap_int.h, hls_stream.h).

Each test has one C++ program of random operations (fixed seed, a few thousand cases),
compiled twice -- once against hlsflow's headers and once against the vendor headers
shipped in the hls4ml wheel (read from site-packages, never copied) -- and requires
byte-identical output. The vendor headers compile slowly (0.2-2 s per type combination),
so the programs use few types with many values each, and all selected programs are
compiled up front in one pool of workers. Values are printed as raw bits (through
``range()``) and as exact hexadecimal doubles, and every arithmetic result also prints
its type's width and integer width, so result types are checked as well.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.csim

REPO = Path(__file__).resolve().parents[3]
SIM_DIR = REPO / "templates" / "vivado" / "sim"
CXX = os.environ.get("CXX", "g++")
# -DNDEBUG: the vendor model asserts on a bit index past the source width while rounding
# (the bit is then not used), which some of the random assignments hit.
# hls_stream.h includes the fault registry shared with the Catapult models (a project
# holds both in sim/); the vendor headers ignore this folder
CXXFLAGS = ["-std=c++14", "-O1", "-w", "-DNDEBUG", f"-I{REPO / 'templates' / 'common' / 'sim'}"]

# Type combinations per program: the vendor headers take 0.2-2 s of compile time per
# combination, so the programs use few types and many values per type.
ASSIGN_PAIRS, ASSIGN_DOUBLE, ASSIGN_INT = 30, 20, 4
ARITH_COMBOS, ARITH_INT_COMBOS = 7, 2
CMP_PAIRS, CMP_C, CMP_D = 14, 5, 6
CONV_TYPES, CONV_INT_TYPES = 11, 12
INT_PAIRS, INT_WIDE_PAIRS, INT_FROM_DOUBLE = 8, 3, 4

QMODES = ["AP_TRN", "AP_TRN_ZERO", "AP_RND", "AP_RND_ZERO", "AP_RND_MIN_INF", "AP_RND_INF", "AP_RND_CONV"]
OMODES = ["AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM"]


def vendor_dir() -> Path | None:
    """The vendor ap_types directory inside the installed hls4ml, found without importing it."""
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "templates" / "vivado" / "ap_types"
    return d if (d / "ap_fixed.h").is_file() else None


def _unavailable(reason: str) -> None:
    # as for every csim test (see tests/conftest.py): an error in CI, a skip elsewhere
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _need_gxx() -> None:
    if shutil.which(CXX) is None:
        _unavailable(f"{CXX} not found on PATH: cannot compile the C-simulation test programs")


def _need_vendor() -> Path:
    d = vendor_dir()
    if d is None:
        _unavailable("hls4ml is not installed: no vendor ap_types headers to compare against (dev extra)")
    assert d is not None
    return d


# ---------------------------------------------------------------------------------------
# Types and values
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class T:
    """An ap type: fixed (w, i) or integer (i is None)."""

    w: int
    i: int | None
    signed: bool
    q: str = "AP_TRN"
    o: str = "AP_WRAP"

    @property
    def frac(self) -> int:
        return 0 if self.i is None else self.w - self.i

    @property
    def lo(self) -> int:
        return -(1 << (self.w - 1)) if self.signed else 0

    @property
    def hi(self) -> int:
        return (1 << (self.w - 1)) - 1 if self.signed else (1 << self.w) - 1

    def spell(self) -> str:
        if self.i is None:
            return f"ap_{'' if self.signed else 'u'}int<{self.w}>"
        kind = "ap_fixed" if self.signed else "ap_ufixed"
        if self.q == "AP_TRN" and self.o == "AP_WRAP":
            return f"{kind}<{self.w}, {self.i}>"
        return f"{kind}<{self.w}, {self.i}, {self.q}, {self.o}>"

    def bits(self, mant: int) -> int:
        return mant & ((1 << self.w) - 1)


INT_RANGES = [
    (-(1 << 63), (1 << 63) - 1),
    (0, (1 << 64) - 1),
    (-(1 << 31), (1 << 31) - 1),
    (0, (1 << 32) - 1),
    (-(1 << 15), (1 << 15) - 1),
]


def c_ll(v: int) -> str:
    """A long long literal (the most negative value has no literal of its own)."""
    return "(-9223372036854775807LL - 1)" if v == -(1 << 63) else f"{v}LL"


def c_double(v: float) -> str:
    """An exact C++14 double literal (C++14 has no hexadecimal floating literals)."""
    if v != v:
        return "NAN"
    if abs(v) == float("inf"):
        return "INFINITY" if v > 0 else "-INFINITY"
    return repr(float(v))


def rand_fixed(rng: random.Random, wmax: int = 64, q: str = "AP_TRN", o: str = "AP_WRAP") -> T:
    w = rng.choice(
        [rng.randint(1, 8), rng.randint(1, wmax), rng.randint(1, wmax), rng.choice([1, 2, 31, 32, 33, 63, 64])]
    )
    w = min(w, wmax)
    return T(w, rng.randint(-4, w + 4), rng.random() < 0.6, q, o)


def rand_int(rng: random.Random, wmax: int = 64) -> T:
    w = rng.choice([rng.randint(1, 8), rng.randint(1, wmax), rng.choice([1, 16, 31, 32, 33, 63, 64])])
    return T(min(w, wmax), None, rng.random() < 0.5)


def mants(rng: random.Random, t: T, n: int, near_shift: int = 0) -> list[int]:
    """Edge and random mantissas of t; ties and near-ties of a right shift by near_shift."""
    lo, hi = t.lo, t.hi
    vals = [lo, hi, 0, min(1, hi), max(-1, lo), lo + 1 if lo < hi else lo, hi - 1 if hi > lo else hi]
    if near_shift > 0:
        half = 1 << (near_shift - 1)
        for _ in range(4):
            q = rng.randint(lo >> near_shift, hi >> near_shift)
            vals += [(q << near_shift) + half + d for d in (-1, 0, 1)]
    while len(vals) < n:
        vals.append(rng.randint(lo, hi) if rng.random() < 0.7 else rng.randint(max(lo, -64), min(hi, 64)))
    return [v for v in vals if lo <= v <= hi][:n] or [0]


# ---------------------------------------------------------------------------------------
# Program building, compiling and running
# ---------------------------------------------------------------------------------------

PRELUDE = r"""
#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"
#include <cstdio>
#include <iostream>
#include <iomanip>
typedef unsigned long long u64;

// raw bits of any ap type, through range()
template <class X>
static void put(const X& x) {
  const int W = X::width;
  if (W > 64)
    printf(" %llx:%016llx", (u64)x.range(W - 1, 64).to_uint64(), (u64)x.range(63, 0).to_uint64());
  else
    printf(" %llx", (u64)x.range(W - 1, 0).to_uint64());
}
// raw bits plus the exact value
template <class X>
static void putf(const X& x) { put(x); printf(" %a", x.to_double()); }
// result type shape
template <class X>
static void shape(const X&) { printf(" <%d,%d>", X::width, X::iwidth); }
template <class X>
static X make(u64 raw) { X x; x.range(X::width - 1, 0) = raw; return x; }
"""


class Program:
    """A test program: shared templates, then data arrays and the statements of main()."""

    def __init__(self, templates: str) -> None:
        self.templates = templates
        self.stmts: list[tuple[list[str], str]] = []
        self._pending: list[str] = []
        self._n = 0

    def array(self, values: list, ctype: str = "u64") -> str:
        name = f"D{self._n}"
        self._n += 1
        if ctype == "double":
            items = ", ".join(c_double(v) for v in values)
        elif ctype == "u64":
            items = ", ".join(f"{v}ull" for v in values)
        else:
            items = ", ".join(c_ll(v) if ctype == "long long" else str(v) for v in values)
        self._pending.append(f"static const {ctype} {name}[] = {{{items}}};")
        return name

    def add(self, stmt: str) -> None:
        self.stmts.append((self._pending, stmt))
        self._pending = []

    def source(self) -> str:
        decls = [d for ds, _ in self.stmts for d in ds]
        return "\n".join(
            [PRELUDE, self.templates, *decls, "int main() {", *(st for _, st in self.stmts), "  return 0;", "}", ""]
        )


def _compile(cpp: Path, include: Path) -> Path:
    exe = cpp.with_suffix("")
    r = subprocess.run([CXX, *CXXFLAGS, f"-I{include}", str(cpp), "-o", str(exe)], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"compiling {cpp} against {include} failed:\n{r.stderr[-6000:]}")
    return exe


@pytest.fixture(scope="module")
def builds(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Compile the programs of all selected differential tests, with both header sets,
    in one pool (the slow vendor builds first), so that the builds of different tests
    overlap; each test then waits for its own two executables."""
    _need_gxx()
    vendor = _need_vendor()
    selected = {item.name for item in request.session.items if getattr(item, "module", None) is request.module}
    root = tmp_path_factory.mktemp("ap_sim")
    sources = {name: make().source() for name, (make, _) in PROGRAMS.items() if name in selected}
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    jobs = {}
    for set_name, inc in (("vendor", vendor), ("hlsflow", SIM_DIR)):
        for name, src in sources.items():
            cpp = root / name / set_name / "prog.cpp"
            cpp.parent.mkdir(parents=True)
            cpp.write_text(src)
            jobs[name, set_name] = pool.submit(_compile, cpp, inc)
    yield jobs
    pool.shutdown(wait=True, cancel_futures=True)


def differential(builds: dict, name: str) -> str:
    """Run the program of test `name` built with both header sets; require identical stdout."""
    runs = {
        k: subprocess.run([str(builds[name, k].result())], capture_output=True, text=True, timeout=120)
        for k in ("hlsflow", "vendor")
    }
    mine, theirs = runs["hlsflow"], runs["vendor"]
    assert mine.returncode == 0, mine.stderr[-3000:]
    assert theirs.returncode == 0, theirs.stderr[-3000:]
    if mine.stdout != theirs.stdout:
        a, b = mine.stdout.splitlines(), theirs.stdout.splitlines()
        diffs = [(k, x, y) for k, (x, y) in enumerate(zip(a, b)) if x != y]
        head = "\n".join(f"line {k}:\n  hlsflow: {x}\n  vendor:  {y}" for k, x, y in diffs[:15])
        raise AssertionError(f"{len(diffs)} differing lines (of {len(a)} / {len(b)}):\n{head}")
    assert mine.stdout.count("\n") >= PROGRAMS[name][1]
    return mine.stdout


# ---------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------

ASSIGN_T = r"""
template <class S, class D>
static void assign(int id, const u64* v, int n) {
  for (int k = 0; k < n; k++) {
    S s = make<S>(v[k]);
    D d = s;
    printf("A%d", id); put(s); putf(d); printf("\n");
  }
}
template <class D>
static void from_double(int id, const double* v, int n) {
  for (int k = 0; k < n; k++) {
    D d = v[k];
    D e; e = (float)v[k];
    printf("F%d %a", id, v[k]); putf(d); put(e); printf("\n");
  }
}
template <class D>
static void from_ints(int id, long long a, unsigned long long b, int c, bool f) {
  D x = a, y = b, z = c, v = f;
  printf("I%d", id); put(x); put(y); put(z); put(v); printf("\n");
}
"""


def program_assignment() -> Program:
    rng = random.Random(1234)
    p = Program(ASSIGN_T)
    cid = 0
    for k in range(ASSIGN_PAIRS):
        q, o = QMODES[k % 7], OMODES[(k // 7) % 4]  # every (Q, O) pair, some twice
        dst = rand_fixed(rng, q=q, o=o)
        w2 = rng.choice([rng.randint(1, 64), rng.randint(1, 16)])
        delta = rng.choice([rng.randint(-3, 6), rng.randint(-3, 6), rng.randint(-70, 70), 0, 1])
        src = T(w2, w2 - (dst.frac + delta), rng.random() < 0.6)
        vals = [src.bits(m) for m in mants(rng, src, 60, near_shift=max(delta, 0))]
        arr = p.array(vals)
        p.add(f"  assign<{src.spell()}, {dst.spell()}>({cid}, {arr}, {len(vals)});")
        cid += 1
    for k in range(ASSIGN_DOUBLE):
        dst = rand_fixed(rng, q=QMODES[(3 * k) % 7], o=OMODES[k % 4])
        scale = 2.0**-dst.frac
        ds = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e300, -1e300, 5e-324, -5e-324, float("inf"), float("-inf"), float("nan"),
              dst.hi * scale, dst.lo * scale, (dst.hi + 1) * scale, (dst.lo - 1) * scale]  # fmt: skip
        for _ in range(20):
            m = rng.randint(dst.lo - 4, dst.hi + 4)
            ds += [(m + rng.choice([0.5, 0.25, 0.75, -0.5, 0.5000001, 0.4999999])) * scale,
                   rng.uniform(-1, 1) * scale * 2.0 ** min(dst.w, 60)]  # fmt: skip
        arr = p.array(ds, "double")
        p.add(f"  from_double<{dst.spell()}>({cid}, {arr}, {len(ds)});")
        cid += 1
    for _k in range(ASSIGN_INT):
        dst = rand_fixed(rng, q=rng.choice(QMODES), o=rng.choice(OMODES))
        for _ in range(6):
            a, b, c = (rng.choice([rng.randint(lo, hi), 0, 1, lo, hi]) for lo, hi in INT_RANGES[:3])
            p.add(f"  from_ints<{dst.spell()}>({cid}, {c_ll(a)}, {b}ULL, {c}, {str(rng.random() < 0.5).lower()});")
            cid += 1
    return p


ARITH_T = r"""
#include <type_traits>
template <class A, class B, class D>
static void divide(const A& a, const B& b, std::true_type) {
  if (b == 0) { printf(" z"); return; }
  shape(a / b); put(a / b);
  D q = a / b; put(q); D c = a; c /= b; put(c);
}
template <class A, class B, class D>
static void divide(const A&, const B&, std::false_type) {}
template <class A, class B, class D, bool DIV>
static void arith(int id, const u64* va, const u64* vb, int n) {
  for (int k = 0; k < n; k++) {
    A a = make<A>(va[k]);
    B b = make<B>(vb[k]);
    printf("R%d", id);
    shape(a + b); put(a + b); shape(a - b); put(a - b); shape(a * b); put(a * b); shape(-a); put(-a);
    D s = a + b, d = a - b, m = a * b;
    put(s); put(d); put(m);
    D c = a; c += b; put(c); c *= b; put(c); c -= a; put(c);
    ++c; put(c); c--; put(c);
    divide<A, B, D>(a, b, std::integral_constant<bool, DIV>());
    printf("\n");
  }
}
template <class A, class I, class D>
static void arith_int(int id, const u64* va, const u64* vi, int n, int ci, unsigned cu, long long cl) {
  for (int k = 0; k < n; k++) {
    A a = make<A>(va[k]);
    I i = make<I>(vi[k]);
    printf("M%d", id);
    shape(a + i); put(a + i); shape(i - a); put(i - a); shape(a * i); put(a * i);
    shape(a + ci); put(a + ci); shape(ci - a); put(ci - a); shape(a * cl); put(a * cl); shape(cu * a); put(cu * a);
    D c = a; c += i; put(c); c *= ci; put(c); c -= cu; put(c);
    if (i != 0) { shape(a / i); put(a / i); }
    shape(a / ci); put(a / ci); c /= cu; put(c);
    printf("\n");
  }
}
"""


def program_arithmetic() -> Program:
    rng = random.Random(99)
    p = Program(ARITH_T)
    for cid in range(ARITH_COMBOS):
        a = rand_fixed(rng, 64)
        b = rand_fixed(rng, 64)
        w = rng.randint(1, 64)
        d = T(w, rng.randint(-4, w), rng.random() < 0.6, QMODES[cid % 7], OMODES[(cid // 7) % 4])  # ++ needs I <= W
        n = 60
        va, vb = p.array([a.bits(m) for m in mants(rng, a, n)]), p.array([b.bits(m) for m in mants(rng, b, n)])
        div = b.signed + a.w + max(b.frac, 0) <= 128  # the quotient type must fit 128 bits
        p.add(f"  arith<{a.spell()}, {b.spell()}, {d.spell()}, {str(div).lower()}>({cid}, {va}, {vb}, {n});")
    for cid in range(ARITH_INT_COMBOS):
        a = rand_fixed(rng, 48)
        i = rand_int(rng, 32)
        d = rand_fixed(rng, 64, q=rng.choice(QMODES), o=rng.choice(OMODES))
        n = 60
        va, vi = p.array([a.bits(m) for m in mants(rng, a, n)]), p.array([i.bits(m) for m in mants(rng, i, n)])
        ci, cu, cl = (
            rng.randint(-(1 << 31), (1 << 31) - 1),
            rng.randint(0, (1 << 32) - 1),
            rng.randint(-(1 << 40), 1 << 40),
        )
        p.add(f"  arith_int<{a.spell()}, {i.spell()}, {d.spell()}>({cid}, {va}, {vi}, {n}, {ci}, {cu}u, {cl}LL);")
    return p


CMP_T = r"""
template <class A, class B>
static void cmp(int id, const u64* va, const u64* vb, int n) {
  for (int k = 0; k < n; k++) {
    A a = make<A>(va[k]);
    B b = make<B>(vb[k]);
    printf("C%d %d%d%d%d%d%d %d%d%d%d%d%d\n", id, a == b, a != b, a < b, a <= b, a > b, a >= b,
           b == a, b != a, b < a, b <= a, b > a, b >= a);
  }
}
#define CMP6(x, y) (x) == (y), (x) != (y), (x) < (y), (x) <= (y), (x) > (y), (x) >= (y)
template <class A>
static void cmp_c(int id, const u64* va, int n, int ci, unsigned cu, long long cl, unsigned long long cul, short cs,
                  double cd) {
  for (int k = 0; k < n; k++) {
    A a = make<A>(va[k]);
    printf("K%d %d%d%d%d%d%d %d%d%d%d%d%d", id, CMP6(a, ci), CMP6(ci, a));
    printf(" %d%d%d%d%d%d %d%d%d%d%d%d", CMP6(a, cu), CMP6(cu, a));
    printf(" %d%d%d%d%d%d %d%d%d%d%d%d", CMP6(a, cl), CMP6(cl, a));
    printf(" %d%d%d%d%d%d %d%d%d%d%d%d", CMP6(a, cul), CMP6(cul, a));
    printf(" %d%d%d%d%d%d %d%d%d%d%d%d", CMP6(a, cs), CMP6(cs, a));
    printf(" %d%d%d%d%d%d %d%d%d%d%d%d\n", CMP6(a, 0), CMP6(true, a));
  }
}
template <class A>
static void cmp_d(int id, const u64* va, int n, double cd) {
  for (int k = 0; k < n; k++) {
    A a = make<A>(va[k]);
    printf("G%d %d%d%d%d%d%d %d%d%d%d%d%d\n", id, CMP6(a, cd), CMP6(cd, a));
  }
}
"""


def _cmp_pair(rng: random.Random) -> tuple[T, T]:
    """Operand types for comparisons: often mixed signedness and wide, where the vendor's
    C-like rules matter, and often on the same grid."""
    a = rand_fixed(rng, 64) if rng.random() < 0.75 else rand_int(rng, 64)
    if rng.random() < 0.5:
        w = rng.choice([a.w, rng.randint(1, 64), 32, 64])
        b = (
            T(w, None if a.i is None else w - a.frac, not a.signed)
            if (a.i is None or -4 <= w - a.frac)
            else rand_fixed(rng)
        )
    else:
        b = rand_fixed(rng, 64) if rng.random() < 0.75 else rand_int(rng, 64)
    return a, b


def program_comparisons() -> Program:
    rng = random.Random(7)
    p = Program(CMP_T)
    for cid in range(CMP_PAIRS):
        a, b = _cmp_pair(rng)
        n = 20
        ma, mb = mants(rng, a, n), mants(rng, b, n)
        # the same bit pattern on both sides, and the same value where representable
        ma += [rng.randint(a.lo, a.hi) for _ in range(4)]
        same = ma[-2] << (b.frac - a.frac) if b.frac >= a.frac else 0
        mb += [ma[-4] & ((1 << b.w) - 1), ma[-3] & ((1 << b.w) - 1), same if b.lo <= same <= b.hi else 0, 0]
        va = p.array([a.bits(m) for m in ma])
        vb = p.array([b.bits(m) for m in mb])
        p.add(f"  cmp<{a.spell()}, {b.spell()}>({cid}, {va}, {vb}, {len(ma)});")
    for cid in range(CMP_C):
        a = rand_fixed(rng, 64) if cid % 3 else rand_int(rng, 64)
        n = 30
        va = p.array([a.bits(m) for m in mants(rng, a, n)])
        ci, cu, cl, cul, cs = (rng.choice([rng.randint(lo, hi), 0, 1, -1 if lo < 0 else 2]) for lo, hi in
                               [INT_RANGES[2], INT_RANGES[3], INT_RANGES[0], INT_RANGES[1], INT_RANGES[4]])  # fmt: skip
        p.add(f"  cmp_c<{a.spell()}>({cid}, {va}, {n}, {ci}, {cu}u, {c_ll(cl)}, {cul}ULL, {cs}, 0.0);")
    for cid in range(CMP_D):
        a = rand_fixed(rng, 64)
        n = 30
        va = p.array([a.bits(m) for m in mants(rng, a, n)])
        cd = rng.choice([0.0, 0.5, -0.25, rng.uniform(-4, 4) * 2.0**-a.frac * 2 ** min(a.w, 50)])
        p.add(f"  cmp_d<{a.spell()}>({cid}, {va}, {n}, {c_double(cd)});")
    return p


CONV_T = r"""
template <class A>
static void conv(int id, const u64* va, int n, const int* sh, const u64* rv) {
  for (int k = 0; k < n; k++) {
    const A a = make<A>(va[k]);
    const int W = A::width;
    printf("V%d", id); putf(a);
    printf(" %a", (double)a.to_float());
    for (int s = 0; s < 6; s++) { put(a << sh[s]); put(a >> sh[s]); }
    put(a << 2u); put(a >> 1u);
    A b = a; b <<= 1; put(b); b >>= 3; put(b);
    // range reads (both orders), writes, single bits
    const int hi = (int)(rv[k] % W), lo = (int)((rv[k] >> 8) % (hi + 1));
    printf(" %llx %llx %llx", (u64)a.range(hi, lo).to_uint64(), (u64)a.range(lo, hi).to_uint64(), (u64)a.range());
    A c = a; c.range(hi, lo) = rv[k] >> 16; put(c);
    c.range(lo, hi) = (int)(rv[k] >> 5); put(c);
    c.range() = -(long long)(rv[k] >> 3); put(c);
    c[lo] = 1; c[hi] = 0; put(c); printf(" %d%d", (int)a[lo], (int)a[hi]);
    ap_int<W> r; r.range() = a.range(); printf(" %lld", (long long)r.to_int64());
    ap_uint<W> u; u.range() = a.range(); printf(" %llu", (u64)u.to_uint64());
    ap_uint<W> v = a.range(W - 1, 0); put(v);
    printf("\n");
  }
}
template <class A>
static void conv_int(int id, const u64* va, int n) {
  for (int k = 0; k < n; k++) {
    const A a = make<A>(va[k]);
    printf("T%d", id); put(a);
    printf(" %d %u %lld %llu %d %ld", a.to_int(), a.to_uint(), (long long)a.to_int64(), (u64)a.to_uint64(), (int)a,
           (long)a);
    ap_int<20> i = a; ap_uint<70> u = a; ap_int<3> t = a; put(i); put(u); put(t);
    printf(" %s %s %s %s", a.to_string(2).c_str(), a.to_string(8).c_str(), a.to_string(16).c_str(),
           a.to_string(10).c_str());
    std::cout << ' ' << a << ' ' << std::setprecision(3) << a << ' ' << std::setprecision(12) << a
              << std::setprecision(6) << '\n';
  }
}
"""


def program_conversions() -> Program:
    rng = random.Random(5)
    p = Program(CONV_T)
    for cid in range(CONV_TYPES):
        a = rand_fixed(rng, 64)
        n = 40
        va = p.array([a.bits(m) for m in mants(rng, a, n)])
        shifts = [0, 1, rng.randint(0, a.w), a.w, a.w + rng.randint(0, 3), -rng.randint(1, a.w + 2)]
        sh = p.array(shifts, "int")
        rv = p.array([rng.getrandbits(64) for _ in range(n)])
        p.add(f"  conv<{a.spell()}>({cid}, {va}, {n}, {sh}, {rv});")
    for cid in range(CONV_INT_TYPES):
        # I >= 0: the vendor's integer conversions read an uninitialised word when I < 0;
        # I <= W: its decimal output is garbage when I > W
        w = rng.choice([rng.randint(1, 64), rng.randint(1, 20)])
        a = T(w, rng.randint(0, w), rng.random() < 0.6)
        n = 30
        va = p.array([a.bits(m) for m in mants(rng, a, n)])
        p.add(f"  conv_int<{a.spell()}>({cid}, {va}, {n});")
    return p


INT_T = r"""
template <class A, class B>
static void iops_common(const A& a, const B& b, int k, const long long* sh, u64 vb) {
  put(a); put(b);
  put(a + b); put(a - b); put(a * b); put(a & b); put(a | b); put(a ^ b); put(-a); put(~a);
  printf(" w%d,%d,%d,%d,%d", (int)decltype(a + b)::width, (int)decltype(a - b)::width, (int)decltype(a * b)::width,
         (int)decltype(a & b)::width, (int)decltype(-a)::width);
  A c = a; c += b; put(c); c -= b; put(c); c *= b; put(c); c &= b; put(c); c |= b; put(c); c ^= b; put(c);
  c++; put(c); ++c; put(c); c--; --c; put(c);
  for (int s = 0; s < 5; s++) {
    put(a << (int)sh[s]); put(a >> (int)sh[s]); put(a << sh[s]); put(a >> sh[s]);
    put(a << (unsigned)(sh[s] & 127)); put(a >> (unsigned)(sh[s] & 127));
    ap_int<7> k7 = (int)sh[s]; ap_uint<6> u6 = (unsigned)(sh[s] & 63);
    put(a << k7); put(a >> k7); put(a << u6); put(a >> u6);
    A d = a; d <<= (int)sh[s]; put(d); d >>= u6; put(d);
  }
  if (b != 0) {
    put(a / b); put(a % b); put(100 / b); put(-7 % b);
    printf(" w%d,%d,%d", (int)decltype(a / b)::width, (int)decltype(a % b)::width, (int)decltype(-7 % b)::width);
    A q = a; q /= b; put(q); q = a; q %= b; put(q);
  }
  put(a / 3); put(a % -5); put(a / 7u); put(a % 6u);
  printf(" %d%d%d%d%d%d", a == b, a != b, a < b, a <= b, a > b, a >= b);
  printf(" %d %u %lld %llu %lld %a %a", a.to_int(), a.to_uint(), (long long)a.to_int64(), (u64)a.to_uint64(),
         (long long)a, a.to_double(), (double)a.to_float());
  put(a + 5); put(7 - a); put(a & 0xffu); put(a | (short)-2); put(a ^ 9ull);
  printf(" %a %a", a * 0.5, 1.25 - a);
  printf(" %d", (int)a[k % A::width]);
  A e = a; e[(k * 7) % A::width] = ~e[(k * 7) % A::width]; put(e);
  const int hi = (k * 13) % A::width, lo = (k * 5) % (hi + 1);
  printf(" %llx", (u64)a.range(hi, lo)); e.range(hi, lo) = vb; put(e);
  e.range(A::width - 1, lo) = -(long long)(vb | 1); put(e);
  e.range(hi, 0) = b; put(e);
  printf(" %s %s %s %s %s", a.to_string(2).c_str(), a.to_string(8).c_str(), a.to_string(16).c_str(),
         a.to_string(16, true).c_str(), a.to_string(10).c_str());
  std::cout << ' ' << a << ' ' << std::hex << a << ' ' << std::oct << a << std::dec << '\n';
}
template <class A, class B>
static void iops(int id, const u64* va, const u64* vb, int n, const long long* sh) {
  for (int k = 0; k < n; k++) {
    const A a = make<A>(va[k]);
    const B b = make<B>(vb[k]);
    printf("N%d", id); put(a * -3LL); put(a * 100u);
    iops_common(a, b, k, sh, vb[k]);
  }
}
template <class A, class B>
static void iops_wide(int id, const u64* va, const u64* vb, int n, const long long* sh) {
  for (int k = 0; k < n; k++) {
    A a = make<A>(va[k]);
    a.range(A::width - 1, 64) = va[k] * 0x9e3779b97f4a7c15ull;  // fill the upper bits too
    const B b = make<B>(vb[k]);
    printf("H%d", id);
    iops_common(a, b, k, sh, vb[k]);
  }
}
template <class A>
static void from_d(int id, const double* v, int n) {
  for (int k = 0; k < n; k++) {
    A a = v[k]; A b = (float)v[k];
    printf("D%d %a", id, v[k]); put(a); put(b); printf("\n");
  }
}
"""


def program_ap_int() -> Program:
    rng = random.Random(11)
    p = Program(INT_T)

    def shifts(cid: int, w: int) -> str:
        amounts = [rng.randint(0, w - 1), rng.randint(w, w + 10), -rng.randint(1, w + 3), 0, rng.randint(-70, 70)]
        return p.array(amounts, "long long")

    for cid in range(INT_PAIRS + INT_WIDE_PAIRS):
        wide = cid >= INT_PAIRS
        a = T(rng.randint(65, 96), None, rng.random() < 0.5) if wide else rand_int(rng, 64)
        if cid % 2 and not wide:
            b = rand_int(rng, 64)
        else:  # same width or a 32/64-bit operand of the other signedness
            b = T(a.w if rng.random() < 0.5 or wide else rng.choice([32, 64]), None, not a.signed)
        if wide:
            b = T(rng.randint(1, 128 - a.w), None, rng.random() < 0.5)
        n = 16
        va = p.array([a.bits(m) & ((1 << 64) - 1) for m in mants(rng, a, n)])
        vb = p.array([b.bits(m) for m in mants(rng, b, n)])
        sh = shifts(cid, a.w)
        p.add(f"  {'iops_wide' if wide else 'iops'}<{a.spell()}, {b.spell()}>({cid}, {va}, {vb}, {n}, {sh});")
    for cid in range(INT_FROM_DOUBLE):
        a = rand_int(rng, 64)
        ds = [
            0.0,
            -0.0,
            0.3,
            -0.3,
            -0.7,
            0.7,
            -1e-9,
            1.5,
            -1.5,
            2.0**62,
            -(2.0**63),
            1e30,
            -1e30,
            12345.678,
            -98765.4321,
        ]
        ds += [rng.uniform(-1, 1) * 2.0 ** rng.randint(-3, 70) for _ in range(25)]
        arr = p.array(ds, "double")
        p.add(f"  from_d<{a.spell()}>({cid}, {arr}, {len(ds)});")
    return p


STREAM_T = r"""
struct pack { ap_fixed<10, 3> x[3]; };
"""


def program_streams() -> Program:
    p = Program(STREAM_T)
    p.add(r"""
  hls::stream<ap_fixed<12, 4> > s("s");
  hls::stream<ap_uint<9> > u;
  hls::stream<pack> ps;
  printf("%d %d %d\n", (int)s.empty(), (int)s.full(), (int)s.size());
  for (int k = 0; k < 200; k++) {
    s.write(ap_fixed<12, 4>(k * 0.37 - 20));
    u << ap_uint<9>(k * 7);
    pack q; for (int j = 0; j < 3; j++) q.x[j] = k * 0.1 * (j + 1);
    ps.write(q);
    if (k % 3 == 2) {
      ap_fixed<12, 4> a = s.read(); ap_uint<9> b; u >> b; ap_fixed<12, 4> c; s >> c;
      printf("%d", k); putf(a); put(b); putf(c); printf(" %d %d\n", (int)s.size(), (int)u.size());
    }
  }
  while (!s.empty()) { putf(s.read()); }
  printf("\n");
  ap_uint<9> b;
  while (u.read_nb(b)) put(b);
  printf(" %d\n", (int)u.read_nb(b));
  while (!ps.empty()) { pack q = ps.read(); for (int j = 0; j < 3; j++) put(q.x[j]); }
  printf("\n");
""")
    return p


# Program builders by test, with the least number of output lines each must print; the
# slowest vendor builds first.
PROGRAMS = {
    "test_conversions_shifts_ranges": (program_conversions, 100),
    "test_ap_int": (program_ap_int, 100),
    "test_arithmetic_and_compound": (program_arithmetic, 100),
    "test_comparisons": (program_comparisons, 100),
    "test_assignment_every_mode_pair": (program_assignment, 100),
    "test_streams": (program_streams, 60),
}


def test_assignment_every_mode_pair(builds: dict) -> None:
    """Fixed-to-fixed assignment for every Q x O pair (random source and target types,
    values at and around the rounding ties and the range limits), and assignment from
    doubles, floats and C integers."""
    differential(builds, "test_assignment_every_mode_pair")


def test_arithmetic_and_compound(builds: dict) -> None:
    """+, -, *, / (and unary -) between random fixed types: results with the vendor's
    result types, assigned to random targets (all modes); compound +=, -=, *=, /= and
    ++/--; mixed with ap_[u]int and C integers."""
    differential(builds, "test_arithmetic_and_compound")


def test_comparisons(builds: dict) -> None:
    """==, !=, <, <=, >, >= in both operand orders between fixed types, ap_[u]int, C
    integers and doubles (including the vendor's C-like mixed-signedness rules)."""
    differential(builds, "test_comparisons")


def test_conversions_shifts_ranges(builds: dict) -> None:
    """to_double/to_float, to_int/to_uint/to_int64/to_uint64 and integer conversions
    (truncation toward zero), shifts of fixed types, range()/[] reads and writes, the
    raw-bits round trip used by hlsflow_types.h, and stream output."""
    differential(builds, "test_conversions_shifts_ranges")


def test_ap_int(builds: dict) -> None:
    """ap_int / ap_uint: arithmetic (/ and % included) and bitwise operators (result widths included),
    compound assignment, shifts by C and ap integers (negative and oversized amounts),
    comparisons, conversions, bit and range access, conversion from doubles."""
    differential(builds, "test_ap_int")


def test_streams(builds: dict) -> None:
    """hls::stream: write/read, read(T&), operator<< / >>, empty/full/size, read_nb."""
    assert differential(builds, "test_streams").startswith("1 0 0\n")


def test_hlsflow_only_behaviour(tmp_path: Path) -> None:
    """What only hlsflow's headers promise: the HLSFLOW_SIM_AP_TYPES marker, constexpr
    construction, a clear abort on reading an empty stream, and a clear error for types
    wider than supported."""
    _need_gxx()
    src = tmp_path / "t.cpp"
    src.write_text(
        r"""
#include "ap_fixed.h"
#include "hls_stream.h"
#include <cstdio>
#if !defined(HLSFLOW_SIM_AP_TYPES) || HLSFLOW_SIM_AP_TYPES != 1
#error "marker macro missing"
#endif
constexpr ap_fixed<8, 3, AP_RND, AP_SAT> k = 1.3;
static_assert(k.to_int() == 1, "constexpr");
constexpr ap_fixed<16, 6> w[] = {0.25, -1.5, 3};
static_assert((w[0] * w[1] + w[2]).to_double() > 0, "constexpr arithmetic");
int main() {
  printf("%a\n", k.to_double());
  hls::stream<int> s("in_stream");
  s.write(1);
  printf("%d\n", s.read());
  fflush(stdout);
  s.read();
  return 0;
}
"""
    )
    exe = tmp_path / "t"
    r = subprocess.run([CXX, *CXXFLAGS, f"-I{SIM_DIR}", str(src), "-o", str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.stdout == "0x1.5p+0\n1\n"
    assert run.returncode != 0
    assert "read from empty stream 'in_stream'" in run.stderr

    wide = tmp_path / "w.cpp"
    wide.write_text('#include "ap_int.h"\nap_int<200> x;\nint main() { return 0; }\n')
    r = subprocess.run(
        [CXX, *CXXFLAGS, f"-I{SIM_DIR}", "-c", str(wide), "-o", str(tmp_path / "w.o")], capture_output=True, text=True
    )
    assert r.returncode != 0 and "above 128 bits" in r.stderr
