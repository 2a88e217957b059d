"""Fuzz profiles report how many cases they ran (see fuzz_tally)."""

from __future__ import annotations

import pytest
from fuzz_tally import TALLIES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    ran = [t for t in TALLIES.values() if t.cases]
    if not ran:
        return
    terminalreporter.section("fuzz profiles")
    for t in ran:
        terminalreporter.write_line(t.line())
