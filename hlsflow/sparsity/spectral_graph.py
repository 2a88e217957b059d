"""A pruned layer as a bipartite graph, and the top singular values of its biadjacency.

Layer -> graph (SPARSITY.md section 1)
-------------------------------------
* Dense kernel, Keras layout ``(in, out)``: the biadjacency ``B`` is the mask itself,
  ``B[i, j] = 1`` when the weight from input ``i`` to output ``j`` is kept.
* Convolution kernel ``(*taps, cin, cout)`` (conv1d, conv2d; pointwise is a dense
  ``(cin, cout)``): flattened to ``(prod(taps) * cin) x cout``. A left node is one
  (kernel offset, input channel) pair, a right node one output channel; the spatial
  positions the kernel slides over are *not* unrolled (every position shares the same
  weights, so it adds no new topology).
* Depthwise kernel ``(kh, kw, C, M)``: output channel ``c * M + m`` sees only input
  channel ``c``, so the biadjacency is block diagonal, ``(kh * kw * C) x (C * M)``, one
  ``(kh * kw) x M`` block per channel group; left node ``(tap, c)`` -> row
  ``tap * C + c`` (the same order as the conv flattening), right node -> column
  ``c * M + m`` (Keras's output channel order).
* Weighted variant: the same edges carrying ``|W * M|``.

Nodes with no kept edge are dropped before anything is measured; ``n_in``/``n_out`` keep
the original side sizes because NaRC normalises by them.

Spectrum
--------
The adjacency ``[[0, B], [B^T, 0]]`` has eigenvalues ``+-sigma_i(B)`` (and zeros), so its
largest eigenvalue is ``sigma_1(B)`` and the largest non-trivial one is ``sigma_2(B)``.
:func:`top_singular_values` never forms that ``(n_l + n_r)^2`` matrix. It picks one of:

``svd``
    LAPACK ``svdvals`` of the dense ``B``; used when ``B`` has at most
    :data:`DENSE_MAX_ELEMENTS` entries. Exact to rounding; the reference for the others.
``gram``
    eigenvalues of the small-side Gram matrix (``B B^T`` when ``B`` has fewer rows),
    built sparsely and solved densely; used when the small side is at most
    :data:`GRAM_MAX_SIDE`. ``sigma_i = sqrt(eig_i)``; the absolute error of ``sigma_i^2``
    is about ``eps * sigma_1^2``, so a ``sigma_2`` near zero is only good to about
    ``1e-8 * sigma_1``.
``lanczos``
    ARPACK ``eigsh`` (implicitly restarted Lanczos) on the small-side Gram *operator*
    ``x -> B^T (B x)``: two sparse mat-vecs per step, nothing dense. Squaring the
    spectrum widens the relative gap at the top, which is what makes this converge in
    tens of steps where ``svds`` needs more. Start vector from a fixed seed, so reports
    are reproducible.
``svds`` / ``adjacency``
    ``scipy.sparse.linalg.svds`` on ``B``, and ``eigsh`` on the adjacency as an operator
    (largest ``|eigenvalue|``, as the reference code does); offered for cross-checks.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from hlsflow.errors import HlsflowError

KernelKind = Literal["dense", "conv", "depthwise"]
Solver = Literal["auto", "svd", "gram", "lanczos", "svds", "adjacency"]

#: ``B`` with at most this many entries is decomposed densely (256 x 256, 64 x 1024).
DENSE_MAX_ELEMENTS = 1 << 16
#: otherwise, a small side up to this size is handled through its dense Gram matrix.
GRAM_MAX_SIDE = 256
#: ARPACK stopping tolerance: Ritz residual <= tol * Ritz value. That bounds the relative
#: error of sigma^2 by tol in the worst case (sigma by tol / 2); as Ritz values of a
#: symmetric operator converge like residual^2 / gap, random masks come out within
#: ~1e-10 of dense SVD. 1e-5 takes ~70 Lanczos steps on a 4096 x 4096 layer (1e-6: ~90).
LANCZOS_TOL = 1e-5
_SEED = 0x5EC7  # fixed start vector: the same mask always gets the same numbers


class SpectralError(HlsflowError, ValueError):
    """A kernel cannot be turned into a graph, or a solver failed; the message says why."""


@dataclass(frozen=True, eq=False)
class BipartiteGraph:
    """A layer's bipartite graph with isolated nodes already removed.

    ``binary`` is the ``n_left x n_right`` 0/1 biadjacency (CSR); ``weighted`` carries
    ``|W * M|`` on the same edges, or is None when no weights were given.
    ``left_index``/``right_index`` map kept rows/columns back to the original nodes.
    """

    binary: sp.csr_array
    weighted: sp.csr_array | None
    n_in: int
    n_out: int
    left_index: np.ndarray
    right_index: np.ndarray

    @property
    def n_left(self) -> int:
        return int(self.binary.shape[0])

    @property
    def n_right(self) -> int:
        return int(self.binary.shape[1])

    @property
    def edges(self) -> int:
        return int(self.binary.nnz)

    @property
    def left_degrees(self) -> np.ndarray:
        return np.diff(self.binary.indptr)

    @property
    def d_left(self) -> float:
        """Average left degree ``E / n_l`` (0 for an empty graph)."""
        return self.edges / self.n_left if self.n_left else 0.0

    @property
    def d_right(self) -> float:
        """Average right degree ``E / n_r`` (0 for an empty graph)."""
        return self.edges / self.n_right if self.n_right else 0.0


def _from_edges(
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray | None,
    left_index: np.ndarray,
    right_index: np.ndarray,
    n_in: int,
    n_out: int,
) -> BipartiteGraph:
    """Build the graph from edge lists sorted by (row, column), dropping isolated nodes.

    Isolated nodes are dropped by renumbering through lookup tables rather than by
    slicing a sparse matrix: O(E), and the maps are monotone so CSR rows stay sorted.
    """
    row_len = np.bincount(rows, minlength=len(left_index))
    used_cols = np.bincount(cols, minlength=len(right_index)) > 0
    keep_rows = np.flatnonzero(row_len)
    idx = np.int32 if len(rows) < np.iinfo(np.int32).max else np.int64  # one index dtype: no copies
    indices = (np.cumsum(used_cols) - 1).astype(idx)[cols]
    indptr = np.concatenate(([0], np.cumsum(row_len[keep_rows]))).astype(idx)
    shape = (len(keep_rows), int(used_cols.sum()))
    binary = sp.csr_array((np.ones(len(rows)), indices, indptr), shape=shape)
    weighted = None if weights is None else sp.csr_array((weights, indices, indptr), shape=shape)
    return BipartiteGraph(binary, weighted, n_in, n_out, left_index[keep_rows], right_index[used_cols])


def infer_kind(shape: tuple[int, ...]) -> KernelKind:
    """``dense`` for a 2-D kernel, ``conv`` otherwise (depthwise must be asked for: its
    ``(kh, kw, C, M)`` layout cannot be told apart from a conv kernel's)."""
    if len(shape) < 2:
        raise SpectralError(f"a kernel needs at least 2 dimensions, got shape {shape}")
    return "dense" if len(shape) == 2 else "conv"


def _edges(mask: np.ndarray, kind: KernelKind) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Row and column of every kept weight in (row, column) order, the flat kernel
    position of each (to pick its weight), and the two side sizes."""
    if kind in ("dense", "conv"):
        n_out = mask.shape[-1]
        flat = np.flatnonzero(mask)  # row-major: the Keras kernel flattening itself
        rows, cols = np.divmod(flat, n_out)
        return rows, cols, flat, mask.size // n_out, n_out
    if kind == "depthwise":
        if mask.ndim != 4:
            raise SpectralError(f"a depthwise kernel is (kh, kw, C, M), got shape {mask.shape}")
        chans, mult = mask.shape[2], mask.shape[3]
        flat = np.flatnonzero(mask)
        tc, m = np.divmod(flat, mult)  # tc = tap * C + c: the row, as in the conv flattening
        # Sorted by (tap, c) then m, hence by row then column: already CSR order.
        return tc, (tc % chans) * mult + m, flat, mask.size // mult, chans * mult
    raise SpectralError(f"unknown kernel kind {kind!r}; expected dense, conv or depthwise")


def bipartite_graph(
    mask: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    kind: KernelKind | None = None,
) -> BipartiteGraph:
    """The bipartite graph of one kernel (see the module docstring for the layout).

    ``mask`` is nonzero/True where a weight is kept; when omitted, the nonzero weights
    are the kept ones. With ``weights`` the graph also carries ``|W * M|`` on those
    edges. ``kind`` defaults to :func:`infer_kind` of the shape.
    """
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    if mask is not None:
        m = np.asarray(mask) != 0
    elif w is not None:
        m = w != 0
    else:
        raise SpectralError("give a mask, weights, or both")
    if w is not None and w.shape != m.shape:
        raise SpectralError(f"mask shape {m.shape} does not match weights shape {w.shape}")
    rows, cols, flat, n_in, n_out = _edges(m, kind or infer_kind(m.shape))
    data = None if w is None else np.abs(w.reshape(-1)[flat])
    return _from_edges(rows, cols, data, np.arange(n_in), np.arange(n_out), n_in, n_out)


@dataclass(frozen=True)
class SingularValues:
    """The ``k`` largest singular values, descending (zero-padded past the rank), and the
    solver that produced them."""

    values: tuple[float, ...]
    solver: str


def _gram(matrix: sp.csr_array) -> sp.csr_array:
    """The Gram matrix of the smaller side (same nonzero eigenvalues either way)."""
    return matrix @ matrix.T if matrix.shape[0] <= matrix.shape[1] else matrix.T @ matrix


def blas_single_thread() -> AbstractContextManager[object]:
    """Run small dense LAPACK work on one BLAS thread when threadpoolctl is installed.

    OpenBLAS threads matrices from about 64 rows up; at these sizes the hand-off costs
    more than the work, and on a busy 2-core machine a threaded 85 x 85 ``eigvalsh`` was
    measured 13x slower than a single-threaded one (a wide 15 x 4000 ``svdvals`` 100x).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: only speed depends on it
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _svd(matrix: sp.csr_array, k: int) -> np.ndarray:
    dense = matrix.toarray()
    with blas_single_thread():
        # LAPACK's divide and conquer is far faster on the tall orientation of the two.
        return sla.svdvals(dense if dense.shape[0] >= dense.shape[1] else dense.T)[:k]


def _gram_eig(matrix: sp.csr_array, k: int) -> np.ndarray:
    gram = _gram(matrix).toarray()
    with blas_single_thread():
        ev = np.linalg.eigvalsh(gram)[::-1][:k]
    return np.sqrt(np.clip(ev, 0.0, None))  # rounding can push a zero eigenvalue below 0


def _arpack(op: spla.LinearOperator, k: int, which: str) -> np.ndarray:
    v0 = np.random.default_rng(_SEED).standard_normal(op.shape[0])
    try:
        return spla.eigsh(op, k=k, which=which, v0=v0, tol=LANCZOS_TOL, return_eigenvectors=False)
    except spla.ArpackNoConvergence:
        # Clustered top eigenvalues: a wider Krylov space and more restarts nearly always
        # settle it; failing that, say so rather than return unconverged numbers.
        ncv = min(op.shape[0] - 1, max(4 * k + 1, 64))
        try:
            return spla.eigsh(
                op,
                k=k,
                which=which,
                v0=v0,
                tol=LANCZOS_TOL,
                ncv=ncv,
                maxiter=50 * op.shape[0],
                return_eigenvectors=False,
            )
        except spla.ArpackNoConvergence as exc:
            raise SpectralError(f"ARPACK did not converge on a {op.shape[0]}-dimensional operator") from exc


def _lanczos(matrix: sp.csr_array, k: int) -> np.ndarray:
    a = matrix if matrix.shape[0] >= matrix.shape[1] else matrix.T.tocsr()
    at = a.T.tocsr()  # CSR of the transpose: both mat-vecs are row-wise and cache-friendly
    n = a.shape[1]
    op = spla.LinearOperator((n, n), matvec=lambda x: at @ (a @ x), dtype=np.float64)
    ev = np.sort(_arpack(op, k, "LA"))[::-1]
    return np.sqrt(np.clip(ev, 0.0, None))


def _svds(matrix: sp.csr_array, k: int) -> np.ndarray:
    return np.sort(spla.svds(matrix, k=k, random_state=_SEED, return_singular_vectors=False))[::-1]


def _adjacency(matrix: sp.csr_array, k: int) -> np.ndarray:
    nl, nr = matrix.shape
    bt = matrix.T.tocsr()
    op = spla.LinearOperator(
        (nl + nr, nl + nr), matvec=lambda x: np.concatenate((matrix @ x[nl:], bt @ x[:nl])), dtype=np.float64
    )
    # Eigenvalues come in +-sigma pairs: the 2k-1 largest magnitudes are
    # sigma_1, sigma_1, sigma_2, sigma_2, ..., sigma_k; every other one is the list.
    mags = np.sort(np.abs(_arpack(op, 2 * k - 1, "LM")))[::-1]
    return mags[::2]


_SOLVERS: dict[str, Callable[[sp.csr_array, int], np.ndarray]] = {
    "svd": _svd,
    "gram": _gram_eig,
    "lanczos": _lanczos,
    "svds": _svds,
    "adjacency": _adjacency,
}


def choose_solver(shape: tuple[int, int], k: int = 2) -> str:
    """The solver ``auto`` picks for a biadjacency of this shape."""
    rows, cols = shape
    if rows * cols <= DENSE_MAX_ELEMENTS:
        return "svd"
    if min(rows, cols) <= max(GRAM_MAX_SIDE, k + 2):
        return "gram"
    return "lanczos"


def top_singular_values(matrix: sp.csr_array | np.ndarray, k: int = 2, solver: Solver = "auto") -> SingularValues:
    """The ``k`` largest singular values of ``matrix`` (descending; zeros past its rank
    or its smaller side) and the solver used. ``solver="auto"`` follows
    :func:`choose_solver`; the iterative ones need a smaller side above ``k + 1``."""
    m = sp.csr_array(matrix, dtype=np.float64)
    if k < 1:
        raise SpectralError(f"k must be at least 1, got {k}")
    if m.nnz == 0:
        return SingularValues((0.0,) * k, "trivial")
    name = choose_solver(m.shape, k) if solver == "auto" else solver
    if name not in _SOLVERS:
        raise SpectralError(f"unknown solver {solver!r}; expected one of auto, {', '.join(_SOLVERS)}")
    if name in ("lanczos", "svds", "adjacency") and min(m.shape) <= k + 1:
        raise SpectralError(f"solver {name!r} needs both sides above k + 1 = {k + 1}, got shape {m.shape}")
    vals = np.zeros(k)
    got = _SOLVERS[name](m, k)
    vals[: len(got)] = got
    return SingularValues(tuple(float(v) for v in vals), name)
