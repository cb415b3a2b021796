"""Structured logs: one JSON object per line with time, level and msg, plus trace_id/span_id inside a span."""

import json
import sys
import threading
from datetime import datetime, timezone
from typing import Any, Callable

from . import tracing

LEVELS = ("debug", "info", "warn", "error")


def _default_write(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Logger:
    def __init__(self, level: str = "info", base: dict[str, Any] | None = None,
                 write: Callable[[str], None] = _default_write) -> None:
        if level not in LEVELS:
            raise ValueError(f"log level: expected one of {', '.join(LEVELS)}, found {level!r}")
        self._min = LEVELS.index(level)
        self._base = dict(base or {})
        self._write = write
        # Request threads write concurrently; a lock keeps each line whole.
        self._lock = threading.Lock()

    def log(self, level: str, msg: str, **fields: Any) -> None:
        if LEVELS.index(level) < self._min:
            return
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line: dict[str, Any] = {"time": now, "level": level, "msg": msg, **self._base}
        span = tracing.current_span()
        if span is not None:
            line["trace_id"] = span.trace_id
            line["span_id"] = span.span_id
        for key, value in fields.items():
            if isinstance(value, BaseException):
                value = {"type": type(value).__name__, "message": str(value)}
            line[key] = value
        text = json.dumps(line, default=str, separators=(",", ":"))
        with self._lock:
            self._write(text)

    def debug(self, msg: str, **fields: Any) -> None:
        self.log("debug", msg, **fields)

    def info(self, msg: str, **fields: Any) -> None:
        self.log("info", msg, **fields)

    def warn(self, msg: str, **fields: Any) -> None:
        self.log("warn", msg, **fields)

    def error(self, msg: str, **fields: Any) -> None:
        self.log("error", msg, **fields)
