"""bench/ is not a package: its modules are imported by path (``import mutate``)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: runs for several seconds (part of the default run; deselect with -m 'not slow')"
    )
