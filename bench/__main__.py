"""Run every benchmark: `python -m bench` (what `make bench` runs), each as its own process.

Extra arguments (e.g. `--members 1000 --n 20`) go to the interaction benchmarks only. The export/forget
and DM fan-out benchmarks run too when their modules are present.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

INTERACTIONS = ("bench.core", "bench.strategies", "bench.venting", "bench.checkins")
OTHERS = ("bench.scheduler", "bench.privacy_scale", "bench.dm_fanout")

failed = 0
for name in (*INTERACTIONS, *OTHERS):
    if importlib.util.find_spec(name) is None:
        continue
    print(f"== {name}", flush=True)
    extra = sys.argv[1:] if name in INTERACTIONS else []
    failed += subprocess.run([sys.executable, "-m", name, *extra], check=False).returncode != 0
sys.exit(1 if failed else 0)
