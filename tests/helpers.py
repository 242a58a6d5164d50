"""What several test files share: projects, renders, kills, frames (imported by name, never from
another test module)."""

import os
from pathlib import Path

HOOKS = Path(__file__).parent / "hooks"


def holding(env, end):
    """`env` for a process whose atomic writer of the file ending in `end` (`frames/000007.png`)
    holds before its rename, for good (tests/hooks/sitecustomize.py)."""
    path = os.pathsep.join(p for p in (str(HOOKS), env.get("PYTHONPATH")) if p)
    return {**env, "PYTHONPATH": path, "DREAMVIDEO_HOLD": end}
