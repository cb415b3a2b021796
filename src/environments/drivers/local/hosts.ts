/** Names the local router answers to: `http://<component>.<environment>.localhost:<router port>`. */

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether `s` is a DNS-1123 label (lower-case letters, digits and `-`, at most 63, alphanumeric at both ends). */
export function isDnsLabel(s: string): boolean {
  return DNS_LABEL.test(s);
}

/** The router host of a workload: `<component>.<environment>.localhost`. */
export function routeHostOf(environment: string, component: string): string {
  return `${component}.${environment}.localhost`;
}

/**
 * The route key of a Host header: the name lower-cased, without the port and a trailing dot, so
 * `Orders.Dev.localhost.:8080` and `orders.dev.localhost` find the same route. Null for a missing header or an
 * IP literal (`[::1]:80`, `127.0.0.1`), which never name a workload.
 */
export function hostKeyOf(header: string | undefined): string | null {
  if (!header) return null;
  const name = header.trim().toLowerCase().replace(/:\d*$/, '').replace(/\.$/, '');
  if (!name || name.startsWith('[') || /^[\d.]+$/.test(name)) return null;
  return name;
}

/** A Host header made safe to echo in a plain-text error: printable ASCII, at most 200 characters. */
export function printableHost(header: string | undefined): string {
  if (!header) return '(no Host header)';
  const clean = header.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}...` : clean;
}
