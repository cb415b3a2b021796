import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer

from app.log import Logger
from app.tracing import OtlpExporter, Tracer, parse_traceparent


class TraceparentTest(unittest.TestCase):
    def test_parses_a_valid_header(self) -> None:
        ctx = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        assert ctx is not None
        self.assertEqual(ctx.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(ctx.span_id, "00f067aa0ba902b7")
        self.assertTrue(ctx.sampled)

    def test_rejects_invalid_headers(self) -> None:
        for value in (None, "", "garbage", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"):
            self.assertIsNone(parse_traceparent(value), value)

    def test_child_spans_continue_the_trace_and_logs_carry_its_ids(self) -> None:
        lines: list[dict] = []
        logger = Logger("info", write=lambda line: lines.append(json.loads(line)))
        tracer = Tracer()
        parent = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        with tracer.span("outer", parent) as outer:
            with tracer.span("inner") as inner:
                logger.info("inside")
        logger.info("outside")
        self.assertEqual(outer.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(outer.parent_span_id, "00f067aa0ba902b7")
        self.assertEqual(inner.parent_span_id, outer.span_id)
        self.assertEqual(lines[0]["trace_id"], outer.trace_id)
        self.assertEqual(lines[0]["span_id"], inner.span_id)
        self.assertNotIn("trace_id", lines[1])
        self.assertGreaterEqual(inner.duration_ms, 0)
        self.assertEqual(inner.traceparent(), f"00-{outer.trace_id}-{inner.span_id}-01")


class Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Collector.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


class OtlpExportTest(unittest.TestCase):
    def test_spans_are_posted_as_otlp_json_on_shutdown(self) -> None:
        collector = HTTPServer(("127.0.0.1", 0), Collector)
        thread = threading.Thread(target=collector.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{collector.server_address[1]}/v1/traces"
            errors: list[str] = []
            tracer = Tracer(OtlpExporter("orders", url, on_error=errors.append, interval=60))
            with tracer.span("GET /", None, **{"http.route": "/"}) as span:
                pass
            tracer.shutdown()
            self.assertEqual(errors, [])
            self.assertEqual(len(Collector.received), 1)
            path, content_type, body = Collector.received[0]
            self.assertEqual(path, "/v1/traces")
            self.assertEqual(content_type, "application/json")
            resource_spans = body["resourceSpans"][0]
            self.assertEqual(resource_spans["resource"]["attributes"][0],
                             {"key": "service.name", "value": {"stringValue": "orders"}})
            sent = resource_spans["scopeSpans"][0]["spans"][0]
            self.assertEqual((sent["traceId"], sent["spanId"], sent["name"]), (span.trace_id, span.span_id, "GET /"))
            self.assertGreaterEqual(int(sent["endTimeUnixNano"]), int(sent["startTimeUnixNano"]))
        finally:
            collector.shutdown()
            collector.server_close()

    def test_an_unreachable_collector_is_reported_not_raised(self) -> None:
        # Bind then close a port, so nothing listens there.
        probe = HTTPServer(("127.0.0.1", 0), Collector)
        port = probe.server_address[1]
        probe.server_close()
        errors: list[str] = []
        tracer = Tracer(OtlpExporter("orders", f"http://127.0.0.1:{port}/v1/traces", on_error=errors.append,
                                     interval=60))
        with tracer.span("work"):
            pass
        tracer.shutdown()
        self.assertEqual(len(errors), 1)
        self.assertIn("OTLP export to", errors[0])


if __name__ == "__main__":
    unittest.main()
