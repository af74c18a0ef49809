"""Run every benchmark: `python -m bench` (what `make bench` runs), each as its own process."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ("bench.core", "bench.scheduler", "bench.venting", "bench.strategies", "bench.checkins")

failed = 0
for name in BENCHMARKS:
    print(f"== {name}", flush=True)
    failed += subprocess.run([sys.executable, "-m", name], check=False).returncode != 0
sys.exit(1 if failed else 0)
