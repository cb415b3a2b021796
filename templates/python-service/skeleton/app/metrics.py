"""Prometheus metrics in the text exposition format (version 0.0.4), standard library only.

https://prometheus.io/docs/instrumenting/exposition_formats/
"""

import math
import threading
import time
from typing import Iterable

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

LabelValues = tuple[str, ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _format_value(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value):
        return str(int(value))
    return repr(value)


def _labels(names: Iterable[str], values: Iterable[str]) -> str:
    pairs = [f'{n}="{_escape(v)}"' for n, v in zip(names, values)]
    return "{" + ",".join(pairs) + "}" if pairs else ""


class _Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, label_names: Iterable[str] = ()) -> None:
        self.name = name
        self.help = help_text
        self.label_names = tuple(label_names)
        self._lock = threading.Lock()

    def _key(self, labels: dict[str, str]) -> LabelValues:
        if set(labels) != set(self.label_names):
            raise ValueError(f"{self.name}: expected labels {sorted(self.label_names)}, found {sorted(labels)}")
        return tuple(str(labels[n]) for n in self.label_names)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]

    def lines(self, default_labels: dict[str, str]) -> list[str]:
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, label_names: Iterable[str] = ()) -> None:
        super().__init__(name, help_text, label_names)
        self._values: dict[LabelValues, float] = {}

    def inc(self, labels: dict[str, str] | None = None, amount: float = 1.0) -> None:
        if amount < 0:
            raise ValueError(f"{self.name}: a counter only goes up, found an increment of {amount}")
        key = self._key(labels or {})
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, labels: dict[str, str] | None = None) -> float:
        return self._values.get(self._key(labels or {}), 0.0)

    def lines(self, default_labels: dict[str, str]) -> list[str]:
        names = self.label_names + tuple(default_labels)
        with self._lock:
            items = sorted(self._values.items())
        extra = tuple(default_labels.values())
        return [f"{self.name}{_labels(names, key + extra)} {_format_value(v)}" for key, v in items]


class Gauge(_Metric):
    kind = "gauge"

    def __init__(self, name: str, help_text: str, label_names: Iterable[str] = ()) -> None:
        super().__init__(name, help_text, label_names)
        self._values: dict[LabelValues, float] = {}

    def set(self, value: float, labels: dict[str, str] | None = None) -> None:
        key = self._key(labels or {})
        with self._lock:
            self._values[key] = value

    def lines(self, default_labels: dict[str, str]) -> list[str]:
        names = self.label_names + tuple(default_labels)
        with self._lock:
            items = sorted(self._values.items())
        extra = tuple(default_labels.values())
        return [f"{self.name}{_labels(names, key + extra)} {_format_value(v)}" for key, v in items]


DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help_text: str, label_names: Iterable[str] = (),
                 buckets: Iterable[float] = DEFAULT_BUCKETS) -> None:
        super().__init__(name, help_text, label_names)
        self.buckets = tuple(sorted(buckets))
        # Per label set: a count per bucket (not cumulative), the sum and the count.
        self._values: dict[LabelValues, tuple[list[int], float, int]] = {}

    def observe(self, value: float, labels: dict[str, str] | None = None) -> None:
        key = self._key(labels or {})
        with self._lock:
            counts, total, n = self._values.get(key, ([0] * len(self.buckets), 0.0, 0))
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    counts[i] += 1
                    break
            self._values[key] = (counts, total + value, n + 1)

    def lines(self, default_labels: dict[str, str]) -> list[str]:
        out: list[str] = []
        extra_names = tuple(default_labels)
        extra_values = tuple(default_labels.values())
        with self._lock:
            items = sorted((k, (list(c), s, n)) for k, (c, s, n) in self._values.items())
        for key, (counts, total, n) in items:
            running = 0
            for bound, count in zip(self.buckets, counts):
                running += count
                names = self.label_names + ("le",) + extra_names
                bucket_labels = _labels(names, key + (_format_value(bound),) + extra_values)
                out.append(f"{self.name}_bucket{bucket_labels} {running}")
            names = self.label_names + ("le",) + extra_names
            out.append(f"{self.name}_bucket{_labels(names, key + ('+Inf',) + extra_values)} {n}")
            plain = self.label_names + extra_names
            out.append(f"{self.name}_sum{_labels(plain, key + extra_values)} {_format_value(total)}")
            out.append(f"{self.name}_count{_labels(plain, key + extra_values)} {n}")
        return out


class Registry:
    """A set of metrics exposed together, with labels (such as the service name) added to every sample."""

    def __init__(self, default_labels: dict[str, str] | None = None) -> None:
        self.default_labels = dict(default_labels or {})
        self._metrics: dict[str, _Metric] = {}

    def register(self, metric: _Metric) -> _Metric:
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} is already registered")
        self._metrics[metric.name] = metric
        return metric

    def exposition(self) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines += metric.header() + metric.lines(self.default_labels)
        return "\n".join(lines) + "\n"


class ServiceMetrics:
    """The service's metrics. The SLO in slo.yaml counts `http_requests_total`: keep its name and labels."""

    def __init__(self, service: str) -> None:
        self.registry = Registry({"service": service})
        self.requests = Counter("http_requests_total", "HTTP requests answered, by method, route and status code.",
                                ("method", "route", "status"))
        self.duration = Histogram("http_request_duration_seconds", "Time to answer an HTTP request, in seconds.",
                                  ("method", "route", "status"))
        start = Gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.")
        start.set(round(time.time(), 3))
        for metric in (self.requests, self.duration, start):
            self.registry.register(metric)
