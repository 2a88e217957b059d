"""Counters the fuzz properties fill in, printed at the end of the session.

CI runs ``pytest -q``, which shows no test output; ``conftest.pytest_terminal_summary``
prints every tally that ran, so the log states how many cases each profile checked.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    """Cases and compared values of one property; thread-safe (cases may run in a pool).

    ``worst_ratio`` is the largest ``|emulate - reference| / bound`` seen (error-bound
    property only): how much of the derived bound the real error used.
    """

    name: str
    cases: int = 0
    values: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    worst_ratio: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, values: int, *kinds: str, ratio: float | None = None) -> None:
        with self._lock:
            self.cases += 1
            self.values += values
            self.kinds.update(kinds)
            if ratio is not None:
                self.worst_ratio = ratio if self.worst_ratio is None else max(self.worst_ratio, ratio)

    def line(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items()))
        text = f"{self.name}: {self.cases} cases, {self.values} values compared"
        if kinds:
            text += f" ({kinds})"
        if self.worst_ratio is not None:
            text += f"; largest |emulate - reference| / bound = {self.worst_ratio:.3g}"
        return text


TALLIES: dict[str, Tally] = {}


def tally(name: str) -> Tally:
    """The session's tally called ``name`` (created on first use)."""
    return TALLIES.setdefault(name, Tally(name))
