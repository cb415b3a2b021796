import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /** Whether spans are exported (OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  exporting: boolean;
  /** Flushes pending spans and stops the provider. */
  shutdown(): Promise<void>;
}

/**
 * Registers the global tracer provider with W3C trace-context propagation, so every request gets a span (and
 * its logs a trace_id) whether or not spans are exported. Spans go to an OTLP/HTTP collector only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; the exporter reads that and the other OTEL_EXPORTER_OTLP_* variables
 * itself and is loaded only then.
 */
export async function startTracing(options: { service: string; env?: NodeJS.ProcessEnv }): Promise<Tracing> {
  const env = options.env ?? process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const spanProcessors: SpanProcessor[] = [];
  if (endpoint) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || options.service }),
    spanProcessors,
  });
  provider.register();
  return { exporting: spanProcessors.length > 0, shutdown: () => provider.shutdown() };
}
