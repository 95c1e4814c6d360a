"""Makes a Python process started with this folder on PYTHONPATH slow to start by
EDITIONS_TEST_SLOW_START seconds, and records every program it runs: one
line per program in the file EDITIONS_TEST_PROGRAMS names (test_startup.py). The PDF workers
start their own interpreters, so their programs are recorded too."""

import os
import subprocess
import time

time.sleep(float(os.environ.get("EDITIONS_TEST_SLOW_START", "0")))

_RECORD = os.environ.get("EDITIONS_TEST_PROGRAMS", "")
_real_init = subprocess.Popen.__init__


def _recording_init(self, args, *rest, **options):  # type: ignore[no-untyped-def]
    program = args if isinstance(args, (str, bytes)) else args[0]
    with open(_RECORD, "a", encoding="utf-8") as record:
        record.write(os.path.basename(os.fsdecode(program)) + "\n")
    _real_init(self, args, *rest, **options)


if _RECORD:
    subprocess.Popen.__init__ = _recording_init  # type: ignore[method-assign]
