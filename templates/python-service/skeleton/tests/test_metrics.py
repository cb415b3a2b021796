import unittest

from app.metrics import Counter, Histogram, Registry, ServiceMetrics


class MetricsTest(unittest.TestCase):
    def test_counter_exposition_with_default_labels_and_escaping(self) -> None:
        registry = Registry({"service": "svc"})
        counter = registry.register(Counter("jobs_total", "Jobs done.", ("kind",)))
        assert isinstance(counter, Counter)
        counter.inc({"kind": 'say "hi"\\'})
        counter.inc({"kind": 'say "hi"\\'}, 2)
        text = registry.exposition()
        self.assertIn("# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\n", text)
        self.assertIn('jobs_total{kind="say \\"hi\\"\\\\",service="svc"} 3\n', text)

    def test_histogram_buckets_are_cumulative_with_sum_and_count(self) -> None:
        registry = Registry()
        hist = Histogram("latency_seconds", "Latency.", ("route",), buckets=(0.1, 1.0))
        registry.register(hist)
        for value in (0.05, 0.5, 0.7, 3.0):
            hist.observe(value, {"route": "/"})
        lines = registry.exposition().splitlines()
        self.assertIn('latency_seconds_bucket{route="/",le="0.1"} 1', lines)
        self.assertIn('latency_seconds_bucket{route="/",le="1"} 3', lines)
        self.assertIn('latency_seconds_bucket{route="/",le="+Inf"} 4', lines)
        self.assertIn('latency_seconds_sum{route="/"} 4.25', lines)
        self.assertIn('latency_seconds_count{route="/"} 4', lines)

    def test_wrong_labels_and_negative_increments_are_rejected(self) -> None:
        counter = Counter("c_total", "C.", ("a",))
        with self.assertRaisesRegex(ValueError, r"c_total: expected labels \['a'\], found \['b'\]"):
            counter.inc({"b": "x"})
        with self.assertRaisesRegex(ValueError, "only goes up"):
            counter.inc({"a": "x"}, -1)

    def test_service_metrics_names(self) -> None:
        text = ServiceMetrics("orders").registry.exposition()
        self.assertIn("# TYPE http_requests_total counter", text)
        self.assertIn("# TYPE http_request_duration_seconds histogram", text)
        self.assertRegex(text, r'process_start_time_seconds\{service="orders"\} \d+')


if __name__ == "__main__":
    unittest.main()
