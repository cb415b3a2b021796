"""Entry point: `python3 -m app`."""

import os
import signal
import sys
import threading

from .config import ConfigError, load_config
from .log import Logger
from .metrics import ServiceMetrics
from .server import App, make_server
from .tracing import OtlpExporter, Tracer


def main() -> int:
    try:
        config = load_config(os.environ)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    logger = Logger(config.log_level, base={"service": config.service})
    exporter = None
    if config.otlp_traces_url:
        exporter = OtlpExporter(config.service, config.otlp_traces_url, on_error=lambda msg: logger.warn(msg))
    tracer = Tracer(exporter)
    app = App(config.service, logger, ServiceMetrics(config.service), tracer)
    server = make_server(app, config.host, config.port)

    def stop(signum: int, _frame: object) -> None:
        logger.info("shutting down", signal=signal.Signals(signum).name)
        app.ready.clear()
        # shutdown() waits for serve_forever() to return, which runs in this (the main) thread: call it from another.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("listening", host=config.host, port=server.server_address[1], tracing_export=exporter is not None)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        tracer.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
