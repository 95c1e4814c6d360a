"""Forkserver: quiet the PDF workers' start-up once the build that asked for them has ended."""

from __future__ import annotations

import os
import signal
import sys
from types import TracebackType

# Imported first by the server the PDF workers fork from, and only there (see workers.py).
# Ctrl-C is the build's to handle; the server and its workers ignore it from here on. The
# build started the server with it blocked: one that came meanwhile is dropped here, unseen.
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

_build = os.getppid()
_default_hook = sys.excepthook


def _build_is_gone() -> bool:
    try:
        os.kill(_build, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _quiet_when_the_build_is_gone(kind: type[BaseException], value: BaseException,
                                  traceback: TracebackType | None) -> None:
    """A worker forked after an interrupted build has stopped finds the build's locks gone
    (FileNotFoundError) and ends; the build has already said it was interrupted."""
    if isinstance(value, FileNotFoundError) or _build_is_gone():
        return
    _default_hook(kind, value, traceback)


# The server runs a failed worker start through sys.excepthook, which its workers inherit.
sys.excepthook = _quiet_when_the_build_is_gone


def _load_weasyprint() -> None:
    # The workers fork from here with WeasyPrint loaded: a replaced worker is ready at once.
    from editions.make.weasy import load_weasyprint

    load_weasyprint()


_load_weasyprint()
