"""Configuration from environment variables; a bad value stops the service with a clear message."""

from dataclasses import dataclass
from typing import Mapping

from . import SERVICE_NAME
from .log import LEVELS


class ConfigError(ValueError):
    """A configuration variable has a value the service cannot use."""


@dataclass(frozen=True)
class Config:
    service: str
    host: str
    port: int
    log_level: str
    # Where spans go (OTLP/HTTP), or None: no export.
    otlp_traces_url: str | None


def _traces_url(env: Mapping[str, str]) -> str | None:
    # As OpenTelemetry SDKs read them: the signal-specific variable is the full URL, the general one a base.
    if env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return env["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + "/v1/traces"
    return None


def load_config(env: Mapping[str, str]) -> Config:
    raw_port = env.get("PORT", "8080")
    if not raw_port.isdigit() or int(raw_port) > 65535:
        raise ConfigError(f"PORT: expected an integer from 0 to 65535, found {raw_port!r}")
    level = env.get("LOG_LEVEL", "info").lower()
    if level not in LEVELS:
        raise ConfigError(f"LOG_LEVEL: expected one of {', '.join(LEVELS)}, found {env.get('LOG_LEVEL')!r}")
    return Config(
        service=env.get("OTEL_SERVICE_NAME") or SERVICE_NAME,
        host=env.get("HOST") or "0.0.0.0",
        port=int(raw_port),
        log_level=level,
        otlp_traces_url=_traces_url(env),
    )
