"""Run every benchmark: `python -m bench` (what `make bench` runs)."""

from __future__ import annotations

import importlib

BENCHMARKS = ("bench.core", "bench.checkins")

for name in BENCHMARKS:
    print(f"== {name}")
    importlib.import_module(name).main()
