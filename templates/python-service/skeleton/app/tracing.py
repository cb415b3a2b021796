"""Tracing with W3C Trace Context, standard library only.

Every request gets a span that continues the caller's `traceparent` (https://www.w3.org/TR/trace-context/).
Spans are timed and their ids go into the logs. When OTEL_EXPORTER_OTLP_ENDPOINT is set, finished spans are
sent in batches to the collector over OTLP/HTTP with JSON bodies
(https://opentelemetry.io/docs/specs/otlp/#otlphttp), from a background thread.
"""

import contextvars
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")

SPAN_KIND_SERVER = 2
STATUS_UNSET = 0
STATUS_ERROR = 2


@dataclass(frozen=True)
class SpanContext:
    trace_id: str
    span_id: str
    sampled: bool = True


def parse_traceparent(value: str | None) -> SpanContext | None:
    """The parent from a `traceparent` header, or None when it is missing or invalid (then a new trace starts)."""
    if not value:
        return None
    m = _TRACEPARENT.match(value.strip().lower())
    if not m:
        return None
    version, trace_id, span_id, flags, rest = m.groups()
    # Version ff is invalid; version 00 has exactly four fields; later versions may append more.
    if version == "ff" or (version == "00" and rest):
        return None
    if trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return SpanContext(trace_id, span_id, bool(int(flags, 16) & 1))


@dataclass
class Span:
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    sampled: bool = True
    kind: int = SPAN_KIND_SERVER
    start_ns: int = field(default_factory=time.time_ns)
    end_ns: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    status: int = STATUS_UNSET

    @property
    def duration_ms(self) -> float:
        end = self.end_ns if self.end_ns is not None else time.time_ns()
        return round((end - self.start_ns) / 1e6, 3)

    def traceparent(self) -> str:
        """The header to send on outgoing calls so the next service continues this trace."""
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"


_current: contextvars.ContextVar[Span | None] = contextvars.ContextVar("current_span", default=None)


def current_span() -> Span | None:
    return _current.get()


def _attribute(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        v: dict[str, Any] = {"boolValue": value}
    elif isinstance(value, int):
        v = {"intValue": str(value)}
    elif isinstance(value, float):
        v = {"doubleValue": value}
    else:
        v = {"stringValue": str(value)}
    return {"key": key, "value": v}


def otlp_json(service: str, spans: list[Span]) -> dict[str, Any]:
    """Spans as an OTLP ExportTraceServiceRequest in its JSON form (ids in hex, times as strings)."""
    out = []
    for s in spans:
        item: dict[str, Any] = {
            "traceId": s.trace_id,
            "spanId": s.span_id,
            "name": s.name,
            "kind": s.kind,
            "startTimeUnixNano": str(s.start_ns),
            "endTimeUnixNano": str(s.end_ns or s.start_ns),
            "attributes": [_attribute(k, v) for k, v in s.attributes.items()],
            "status": {"code": s.status},
        }
        if s.parent_span_id:
            item["parentSpanId"] = s.parent_span_id
        out.append(item)
    return {
        "resourceSpans": [{
            "resource": {"attributes": [_attribute("service.name", service)]},
            "scopeSpans": [{"scope": {"name": service}, "spans": out}],
        }]
    }


class OtlpExporter:
    """Batches finished spans and posts them to the collector's traces URL every `interval` seconds or when full."""

    def __init__(self, service: str, url: str, on_error: Callable[[str], None],
                 interval: float = 5.0, max_batch: int = 512) -> None:
        self.service = service
        self.url = url
        self.on_error = on_error
        self.interval = interval
        self.max_batch = max_batch
        self._queue: list[Span] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="otlp-exporter", daemon=True)
        self._thread.start()

    def export(self, span: Span) -> None:
        with self._lock:
            # A collector that is down must not grow memory without bound: drop the oldest spans.
            if len(self._queue) >= self.max_batch * 4:
                del self._queue[: self.max_batch]
            self._queue.append(span)
            full = len(self._queue) >= self.max_batch
        if full:
            self._wake.set()

    def flush(self) -> None:
        while True:
            with self._lock:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
            if not batch:
                return
            body = json.dumps(otlp_json(self.service, batch)).encode()
            req = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=10) as res:
                    res.read()
            except (urllib.error.URLError, OSError) as err:
                self.on_error(f"OTLP export to {self.url} failed: {err}")
                return

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()

    def shutdown(self) -> None:
        self._stopped.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self.flush()


class Tracer:
    def __init__(self, exporter: OtlpExporter | None = None) -> None:
        self.exporter = exporter

    @contextmanager
    def span(self, name: str, parent: SpanContext | None = None, **attributes: Any) -> Iterator[Span]:
        """Runs the block inside a new span (a child of `parent`, or of the current span, or a new trace)."""
        if parent is None:
            outer = current_span()
            if outer is not None:
                parent = SpanContext(outer.trace_id, outer.span_id, outer.sampled)
        span = Span(
            name=name,
            trace_id=parent.trace_id if parent else secrets.token_hex(16),
            span_id=secrets.token_hex(8),
            parent_span_id=parent.span_id if parent else None,
            sampled=parent.sampled if parent else True,
            attributes=dict(attributes),
        )
        token = _current.set(span)
        try:
            yield span
        except BaseException:
            span.status = STATUS_ERROR
            raise
        finally:
            span.end_ns = time.time_ns()
            _current.reset(token)
            if self.exporter is not None and span.sampled:
                self.exporter.export(span)

    def shutdown(self) -> None:
        if self.exporter is not None:
            self.exporter.shutdown()
