"""The HTTP service: routes, one span per request, request metrics and one log line per request."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

from .log import Logger
from .metrics import CONTENT_TYPE, ServiceMetrics
from .tracing import STATUS_ERROR, Tracer, parse_traceparent

# Probes and scrapes arrive every few seconds; they are logged at debug level only.
QUIET_ROUTES = {"/healthz", "/readyz", "/metrics"}

Response = tuple[int, str, bytes]


class App:
    def __init__(self, service: str, logger: Logger, metrics: ServiceMetrics, tracer: Tracer) -> None:
        self.service = service
        self.logger = logger
        self.metrics = metrics
        self.tracer = tracer
        # Readiness: cleared on shutdown so the load balancer stops sending traffic before the server stops.
        self.ready = threading.Event()
        self.ready.set()
        self.routes: dict[str, Callable[[], Response]] = {
            "/": lambda: _json(200, {"service": service, "message": f"Hello from {service}"}),
            # Liveness: the process is up and answers. Never checks dependencies.
            "/healthz": lambda: _json(200, {"status": "ok"}),
            # Readiness: add checks of what the service needs to do useful work (its database, for example).
            "/readyz": self._readyz,
            "/metrics": lambda: (200, CONTENT_TYPE, self.metrics.registry.exposition().encode()),
        }

    def _readyz(self) -> Response:
        return _json(200, {"status": "ready"}) if self.ready.is_set() else _json(503, {"status": "not ready"})

    def handle(self, method: str, target: str, headers: dict[str, str]) -> tuple[Response, dict[str, str]]:
        started = time.perf_counter()
        path = urlsplit(target).path or "/"
        route_fn = self.routes.get(path)
        # Unknown paths share one label so scanners cannot blow up the metrics' cardinality.
        route = path if route_fn else "unmatched"
        extra: dict[str, str] = {}
        parent = parse_traceparent(headers.get("traceparent"))
        with self.tracer.span(f"{method} {route}", parent, **{"http.request.method": method, "http.route": route,
                                                               "url.path": path}) as span:
            try:
                if route_fn is None:
                    response = _json(404, {"error": "not found", "path": path})
                elif method not in ("GET", "HEAD"):
                    extra["Allow"] = "GET, HEAD"
                    response = _json(405, {"error": f"method {method} not allowed", "path": path})
                else:
                    response = route_fn()
            except Exception as err:  # one failing request must not stop the server
                self.logger.error("request failed", path=path, err=err)
                response = _json(500, {"error": "internal error"})
            status = response[0]
            span.attributes["http.response.status_code"] = status
            if status >= 500:
                span.status = STATUS_ERROR
            seconds = time.perf_counter() - started
            labels = {"method": method, "route": route, "status": str(status)}
            self.metrics.requests.inc(labels)
            self.metrics.duration.observe(seconds, labels)
            fields = {"method": method, "path": path, "status": status, "duration_ms": round(seconds * 1000, 3)}
            if span.parent_span_id:
                fields["parent_span_id"] = span.parent_span_id
            if route in QUIET_ROUTES:
                self.logger.debug("request", **fields)
            else:
                self.logger.info("request", **fields)
        return response, extra


def _json(status: int, body: object) -> Response:
    return status, "application/json; charset=utf-8", json.dumps(body).encode()


def make_server(app: App, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return app.service  # the Server header, without the Python version

        def _serve(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            if "content-length" in headers or "transfer-encoding" in headers:
                # No route reads a request body: close the connection rather than read the body as a request.
                self.close_connection = True
            (status, content_type, body), extra = app.handle(self.command, self.path, headers)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in extra.items():
                self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

        def log_message(self, format: str, *args: object) -> None:
            # Requests are logged as JSON by App.handle; silence http.server's own stderr lines.
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
