const KNOWN_KINDS: Record<string, string> = {
  api: 'API',
  component: 'Component',
  domain: 'Domain',
  environment: 'Environment',
  group: 'Group',
  location: 'Location',
  resource: 'Resource',
  system: 'System',
  template: 'Template',
  user: 'User',
};

/** Display form of a kind: facets and refs carry it lower-cased (`api`), people read `API`. */
export function kindLabel(kind: string): string {
  const known = KNOWN_KINDS[kind.toLowerCase()];
  if (known) return known;
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}
