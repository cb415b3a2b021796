import { toYaml } from './toYaml.js';

/**
 * A field type in the compact notation the sample data uses: `string`, `integer`, `number`, `boolean`,
 * `string:<format>` (e.g. `string:date-time`), `enum:A|B|C`, a schema name (`Payment`), or any of these
 * with `[]` for an array.
 */
export type FieldType = string;

/** A JSON object shape: property name → field type. Properties ending in `?` are optional. */
export type Shape = Record<string, FieldType>;

export interface RestOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Path with `{param}` placeholders; each becomes a required string path parameter. */
  path: string;
  summary: string;
  /** Schema name of the JSON response body; omit for 204. */
  response?: string;
  /** Schema name of the JSON request body. */
  request?: string;
  /** Answers 201 Created instead of 200. */
  created?: boolean;
}

export interface RestApiSpec {
  title: string;
  description: string;
  version: string;
  server: string;
  operations: RestOperation[];
  schemas: Record<string, Shape>;
}

const PRIMITIVES = new Set(['string', 'integer', 'number', 'boolean']);

function schemaOf(type: FieldType): Record<string, unknown> {
  if (type.endsWith('[]')) return { type: 'array', items: schemaOf(type.slice(0, -2)) };
  if (type.startsWith('enum:')) return { type: 'string', enum: type.slice(5).split('|') };
  const [base, format] = type.split(':') as [string, string | undefined];
  if (PRIMITIVES.has(base)) return format ? { type: base, format } : { type: base };
  return { $ref: `#/components/schemas/${base}` };
}

function objectSchema(shape: Shape): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [rawName, type] of Object.entries(shape)) {
    const optional = rawName.endsWith('?');
    const name = optional ? rawName.slice(0, -1) : rawName;
    properties[name] = schemaOf(type);
    if (!optional) required.push(name);
  }
  return required.length > 0
    ? { type: 'object', required, properties }
    : { type: 'object', properties };
}

const ARTICLES = new Set(['a', 'an', 'the']);

function operationId(op: RestOperation): string {
  const words = op.summary
    .replace(/[^A-Za-z0-9 ]/g, '')
    .split(/\s+/)
    .filter((w) => w && !ARTICLES.has(w.toLowerCase()));
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');
}

/** Renders a small but complete OpenAPI 3.0 document (YAML text) from a compact description. */
export function openApiDefinition(spec: RestApiSpec): string {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of spec.operations) {
    const params = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const success = op.response
      ? {
          [op.created ? '201' : '200']: {
            description: op.summary,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.response}` } } },
          },
        }
      : { '204': { description: op.summary } };
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: operationId(op),
      summary: op.summary,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(op.request
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.request}` } } },
            },
          }
        : {}),
      responses: { ...success, default: { $ref: '#/components/responses/Problem' } },
    };
  }
  const schemas: Record<string, unknown> = {};
  for (const [name, shape] of Object.entries(spec.schemas)) schemas[name] = objectSchema(shape);
  schemas.Problem = objectSchema({ 'type?': 'string', title: 'string', status: 'integer', 'detail?': 'string' });
  const doc = {
    openapi: '3.0.3',
    info: { title: spec.title, version: spec.version, description: spec.description },
    servers: [{ url: spec.server }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      responses: {
        Problem: {
          description: 'Error (RFC 9457 problem details)',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
      schemas,
    },
  };
  return toYaml(doc, { flowMaps: true });
}

export interface GrpcSpec {
  /** Proto package, e.g. `northwind.ledger.v1`. */
  package: string;
  service: string;
  /** `[name, request message, response message, server-streaming?]`. */
  rpcs: Array<[string, string, string, boolean?]>;
  /** Message name → fields written as in proto (`string payment_id`, `repeated Entry entries`). */
  messages: Record<string, string[]>;
  /** Enum name → values without prefix; the `_UNSPECIFIED = 0` member proto3 requires is added. */
  enums?: Record<string, string[]>;
}

function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Renders a proto3 file (text) declaring one service, its messages and enums. */
export function grpcDefinition(spec: GrpcSpec): string {
  const lines: string[] = ['syntax = "proto3";', '', `package ${spec.package};`, ''];
  const usesTimestamp = Object.values(spec.messages).some((fields) =>
    fields.some((f) => f.includes('google.protobuf.Timestamp')),
  );
  if (usesTimestamp) lines.push('import "google/protobuf/timestamp.proto";', '');
  lines.push(`service ${spec.service} {`);
  for (const [name, request, response, streaming] of spec.rpcs) {
    lines.push(`  rpc ${name}(${request}) returns (${streaming ? 'stream ' : ''}${response});`);
  }
  lines.push('}');
  for (const [name, values] of Object.entries(spec.enums ?? {})) {
    const prefix = upperSnake(name);
    lines.push('', `enum ${name} {`, `  ${prefix}_UNSPECIFIED = 0;`);
    values.forEach((v, i) => lines.push(`  ${prefix}_${v} = ${i + 1};`));
    lines.push('}');
  }
  for (const [name, fields] of Object.entries(spec.messages)) {
    lines.push('', `message ${name} {`);
    fields.forEach((f, i) => lines.push(`  ${f} = ${i + 1};`));
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}

export interface AsyncChannel {
  /** Kafka topic, e.g. `payments.payment-completed.v1`. */
  topic: string;
  description: string;
  message: string;
  payload: Shape;
}

export interface AsyncApiSpec {
  title: string;
  description: string;
  version: string;
  /** Channels this application publishes to (AsyncAPI 2: `subscribe`, seen from the consumer). */
  channels: AsyncChannel[];
}

/** Renders an AsyncAPI 2.6 document (YAML text) for an event producer on the Kafka event bus. */
export function asyncApiDefinition(spec: AsyncApiSpec): string {
  const channels: Record<string, unknown> = {};
  for (const ch of spec.channels) {
    for (const [field, type] of Object.entries(ch.payload)) {
      // No components section is rendered, so a named schema here would be a dangling $ref.
      const base = type.replace(/\[\]$/, '').split(':')[0]!;
      if (!PRIMITIVES.has(base) && base !== 'enum') {
        throw new TypeError(`${spec.title} ${ch.topic} payload.${field}: expected a primitive or enum type, found "${type}"`);
      }
    }
    const payload = objectSchema(ch.payload);
    channels[ch.topic] = {
      description: ch.description,
      subscribe: {
        operationId: `on${ch.message}`,
        message: { name: ch.message, contentType: 'application/json', payload },
      },
    };
  }
  const doc = {
    asyncapi: '2.6.0',
    info: { title: spec.title, version: spec.version, description: spec.description },
    servers: {
      production: { url: 'kafka.northwind.example.com:9093', protocol: 'kafka-secure' },
    },
    channels,
  };
  return toYaml(doc, { flowMaps: true });
}
