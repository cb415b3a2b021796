import json
import threading
import unittest
import urllib.error
import urllib.request

from app.config import ConfigError, load_config
from app.log import Logger
from app.metrics import ServiceMetrics
from app.server import App, make_server
from app.tracing import Tracer


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.lines: list[dict] = []
        logger = Logger("debug", base={"service": "test-service"},
                        write=lambda line: cls.lines.append(json.loads(line)))
        cls.app = App("test-service", logger, ServiceMetrics("test-service"), Tracer())
        cls.server = make_server(cls.app, "127.0.0.1", 0)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict, str]:
        req = urllib.request.Request(self.base + path, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=5) as res:
                return res.status, dict(res.headers), res.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read().decode()

    def test_healthz(self) -> None:
        status, _, body = self.get("/healthz")
        self.assertEqual((status, json.loads(body)), (200, {"status": "ok"}))

    def test_readyz_follows_readiness(self) -> None:
        self.assertEqual(self.get("/readyz")[0], 200)
        self.app.ready.clear()
        try:
            status, _, body = self.get("/readyz")
            self.assertEqual((status, json.loads(body)), (503, {"status": "not ready"}))
        finally:
            self.app.ready.set()

    def test_metrics_count_requests(self) -> None:
        self.get("/")
        self.get("/nope")
        status, headers, text = self.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        labels = 'method="GET",route="unmatched",status="404",service="test-service"'
        self.assertIn(f"\nhttp_requests_total{{{labels}}} 1\n", text)
        self.assertRegex(text, r'\nhttp_requests_total\{method="GET",route="/",status="200",[^}]*\} [1-9]')
        self.assertIn("http_request_duration_seconds_bucket{", text)

    def test_other_methods_get_405_with_allow(self) -> None:
        status, headers, _ = self.get("/healthz", method="POST")
        self.assertEqual((status, headers.get("Allow")), (405, "GET, HEAD"))

    def test_request_log_continues_the_callers_trace(self) -> None:
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        self.get("/", {"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
        line = next((l for l in self.lines if l["msg"] == "request" and l.get("trace_id") == trace_id), None)
        self.assertIsNotNone(line, self.lines)
        assert line is not None
        self.assertEqual(line["parent_span_id"], "00f067aa0ba902b7")
        self.assertEqual(line["level"], "info")
        self.assertEqual(line["service"], "test-service")
        self.assertIsInstance(line["duration_ms"], float)


class ConfigTest(unittest.TestCase):
    def test_defaults_and_errors_name_the_variable(self) -> None:
        config = load_config({})
        self.assertEqual((config.port, config.log_level, config.otlp_traces_url), (8080, "info", None))
        self.assertEqual(load_config({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/"}).otlp_traces_url,
                         "http://c:4318/v1/traces")
        with self.assertRaisesRegex(ConfigError, "PORT: expected an integer from 0 to 65535, found 'eighty'"):
            load_config({"PORT": "eighty"})
        with self.assertRaisesRegex(ConfigError, "LOG_LEVEL: expected one of debug, info, warn, error, found 'loud'"):
            load_config({"LOG_LEVEL": "loud"})


if __name__ == "__main__":
    unittest.main()
