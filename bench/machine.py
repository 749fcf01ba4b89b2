"""The machine line every benchmark table is headed by (numbers mean nothing without it)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """`nproc N, <CPU model>, Python X.Y.Z`."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"nproc {nproc}, {model}, Python {platform.python_version()}"
