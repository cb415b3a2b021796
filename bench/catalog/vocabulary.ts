/**
 * Words for benchmark catalog entities: financial-services flavoured, so names, titles and descriptions
 * give full-text search realistic terms to find (and miss).
 */
export const VOCABULARY = {
  areas: [
    'payments', 'ledger', 'cards', 'lending', 'mortgage', 'savings', 'fraud', 'identity', 'onboarding', 'trading',
    'pricing', 'treasury', 'risk', 'compliance', 'reporting', 'notifications', 'billing', 'insurance', 'wealth',
    'customer', 'accounts', 'statements', 'collections', 'settlement', 'clearing', 'fx', 'pensions', 'analytics',
    'sanctions', 'disputes',
  ],
  nouns: [
    'gateway', 'engine', 'router', 'scheduler', 'processor', 'registry', 'store', 'index', 'tracker', 'validator',
    'orchestrator', 'adapter', 'monitor', 'calculator', 'publisher', 'aggregator', 'resolver', 'broker',
    'reconciler', 'planner',
  ],
  suffixes: {
    service: ['service', 'worker', 'daemon'],
    website: ['web', 'portal', 'ui'],
    library: ['lib', 'sdk', 'client'],
    'data-pipeline': ['pipeline', 'etl', 'job'],
  },
  verbs: [
    'Reconciles', 'Validates', 'Routes', 'Aggregates', 'Publishes', 'Schedules', 'Scores', 'Enriches', 'Indexes',
    'Archives', 'Calculates', 'Monitors', 'Transforms', 'Streams', 'Caches',
  ],
  objects: [
    'settlement batches', 'card authorisations', 'loan applications', 'ledger postings', 'customer profiles',
    'FX quotes', 'risk limits', 'payment instructions', 'direct debits', 'interest accruals', 'KYC documents',
    'trade confirmations', 'statement files', 'consent records', 'exchange rates', 'fraud alerts', 'chargeback claims',
    'margin calls', 'regulatory returns', 'account balances',
  ],
  clauses: [
    'publishes exceptions to the operations queue', 'exposes the results over a REST API',
    'retries failures with exponential backoff', 'keeps a full audit trail for compliance',
    'feeds the nightly data warehouse load', 'alerts on-call engineers when latency exceeds the SLO',
    'runs active-active in both data centres', 'caches hot reads in Redis', 'emits metrics for the platform dashboards',
    'honours customer consent preferences',
  ],
  languages: ['java', 'kotlin', 'go', 'python', 'typescript', 'scala', 'rust', 'csharp'],
  extraTags: ['pci', 'gdpr', 'tier-1', 'tier-2', 'tier-3', 'batch', 'streaming', 'customer-facing', 'internal'],
  givenNames: [
    'amara', 'bao', 'camila', 'dmitri', 'elif', 'farah', 'gabriel', 'hana', 'ingrid', 'jamal', 'kavya', 'lars',
    'mei', 'naledi', 'omar', 'priya', 'rafael', 'sakura', 'tariq', 'valentina', 'wei', 'yusuf', 'zanele', 'noah',
  ],
  familyNames: [
    'adeyemi', 'bergstrom', 'castillo', 'diallo', 'eriksen', 'fujita', 'gupta', 'haddad', 'iyer', 'jensen', 'kato',
    'lopes', 'mensah', 'nguyen', 'okafor', 'patel', 'quispe', 'rossi', 'silva', 'tanaka', 'varga', 'walsh', 'yilmaz',
    'zhang',
  ],
} as const;
