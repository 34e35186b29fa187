"""`vms serve` starts quickly: it does not import what only some cameras need.

Every start (a restart after an upgrade, a test's VMS process) pays the imports, and on a loaded
2-core machine they took half a minute: `scipy.optimize`, for the tracker's Hungarian method,
was 2 of the 5 s on a quiet one. The tracker imports it at its first assignment instead.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Imported only when needed, never by `vms serve` itself: scipy when a camera tracks objects,
# pyarrow when the events archive writes a day or an export runs.
ON_DEMAND = ("scipy", "pyarrow")


def test_the_server_module_does_not_import_what_only_detection_needs() -> None:
    probe = "import sys, vms.server; print(' '.join(sorted(m for m in sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    loaded = {name.split(".")[0] for name in done.stdout.split()}
    assert not loaded & set(ON_DEMAND)
