"""A clock that moves: every Python clock of a build started with this folder on PYTHONPATH
reads EDITIONS_TEST_CLOCK_OFFSET seconds ahead (test_determinism.py). The PDF workers start
their own interpreters, so they read the same moved clock."""

import datetime as _datetime
import os
import time as _time

_OFFSET = float(os.environ.get("EDITIONS_TEST_CLOCK_OFFSET", "0"))
_real_time, _real_time_ns = _time.time, _time.time_ns
_real_localtime, _real_gmtime, _real_strftime = _time.localtime, _time.gmtime, _time.strftime


def _now() -> float:
    return _real_time() + _OFFSET


_time.time = _now
_time.time_ns = lambda: _real_time_ns() + int(_OFFSET * 1_000_000_000)
_time.localtime = lambda secs=None: _real_localtime(_now() if secs is None else secs)
_time.gmtime = lambda secs=None: _real_gmtime(_now() if secs is None else secs)
_time.strftime = lambda fmt, t=None: _real_strftime(fmt, _time.localtime() if t is None else t)


class _DateTime(_datetime.datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def]
        return cls.fromtimestamp(_now(), tz)

    @classmethod
    def utcnow(cls):  # type: ignore[no-untyped-def]
        return cls.fromtimestamp(_now(), _datetime.UTC).replace(tzinfo=None)

    @classmethod
    def today(cls):  # type: ignore[no-untyped-def]
        return cls.fromtimestamp(_now())


class _Date(_datetime.date):
    @classmethod
    def today(cls):  # type: ignore[no-untyped-def]
        return cls.fromtimestamp(_now())


_datetime.datetime = _DateTime  # type: ignore[misc]
_datetime.date = _Date  # type: ignore[misc]
