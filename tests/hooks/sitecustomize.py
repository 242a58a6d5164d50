"""Started by every Python process whose PYTHONPATH holds this folder (the kill tests' renders):
with DREAMVIDEO_HOLD=<the end of a path> (`frames/000007.png`), the atomic writer of that file
stops for good once its temporary file is complete and before it is renamed, and says so on
stderr, so a test can kill a render at that exact point. Product code has no hook: this wraps
dreamvideo.files.commit from outside."""

import os

HELD = os.environ.get("DREAMVIDEO_HOLD")

if HELD:
    import sys
    import time
    from pathlib import Path

    from dreamvideo import files

    _commit = files.commit

    def _holding_commit(tmp, path):
        if Path(path).absolute().as_posix().endswith("/" + HELD):
            sys.stderr.write(f"dreamvideo: holding {tmp}\n")
            sys.stderr.flush()
            while True:
                time.sleep(60)
        _commit(tmp, path)

    files.commit = _holding_commit
