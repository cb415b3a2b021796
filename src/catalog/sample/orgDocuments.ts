import { seededRandom, type SeededRandom } from './seededRandom.js';

/** The e-mail domain of the sample organisation: a subdomain of example.com, reserved by RFC 2606. */
export const SAMPLE_EMAIL_DOMAIN = 'northwind.example.com';

const BACKSTAGE = 'backstage.io/v1alpha1';

interface DepartmentSpec {
  name: string;
  title: string;
  description: string;
  head: string;
}

interface TeamSpec {
  name: string;
  title: string;
  department: string;
  description: string;
  size: number;
  /** Job titles for the individual contributors, picked by weight (a title listed twice is twice as likely). */
  roles: string[];
}

const ORG = {
  name: 'northwind-capital',
  title: 'Northwind Capital',
  description:
    'Northwind Capital, a fictional retail bank and wealth manager used as Gantry sample data. Any resemblance to a real firm is coincidental.',
};

const DIVISION = {
  name: 'technology',
  title: 'Technology',
  description: 'Everyone who builds and runs Northwind Capital software: about 200 engineers in 15 teams.',
};

const DEPARTMENTS: DepartmentSpec[] = [
  {
    name: 'retail-banking-engineering',
    title: 'Retail Banking Engineering',
    description: 'Payments, cards, lending and the digital channels retail customers use every day.',
    head: 'Head of Retail Banking Engineering',
  },
  {
    name: 'markets-technology',
    title: 'Markets Technology',
    description: 'Order execution, market data and portfolio analytics for the wealth and trading desks.',
    head: 'Head of Markets Technology',
  },
  {
    name: 'risk-compliance-engineering',
    title: 'Risk & Compliance Engineering',
    description: 'Fraud prevention, financial-crime controls and regulatory reporting.',
    head: 'Head of Risk & Compliance Engineering',
  },
  {
    name: 'platform-engineering',
    title: 'Platform Engineering',
    description: 'The internal developer platform, observability and the data platform every team builds on.',
    head: 'Head of Platform Engineering',
  },
];

const SWE = ['Software Engineer', 'Software Engineer', 'Software Engineer', 'Senior Software Engineer', 'Senior Software Engineer'];

const TEAMS: TeamSpec[] = [
  {
    name: 'payments-core',
    title: 'Payments Core',
    department: 'retail-banking-engineering',
    description: 'Owns payment orchestration, scheme gateways (Faster Payments, SEPA) and the core ledger.',
    size: 15,
    roles: [...SWE, 'Payments Domain Engineer'],
  },
  {
    name: 'card-services',
    title: 'Card Services',
    department: 'retail-banking-engineering',
    description: 'Issues debit and credit cards, authorises card transactions and runs the PCI-scoped token vault.',
    size: 14,
    roles: [...SWE, 'Security Engineer'],
  },
  {
    name: 'lending-origination',
    title: 'Lending Origination',
    department: 'retail-banking-engineering',
    description: 'Loan applications, credit decisions and the integrations with credit bureaus.',
    size: 13,
    roles: [...SWE, 'Machine Learning Engineer'],
  },
  {
    name: 'lending-servicing',
    title: 'Lending Servicing',
    department: 'retail-banking-engineering',
    description: 'Runs loans after drawdown: repayment schedules, collections and arrears.',
    size: 12,
    roles: SWE,
  },
  {
    name: 'digital-channels',
    title: 'Digital Channels',
    department: 'retail-banking-engineering',
    description: 'Online banking, the mobile back end, Open Banking access and customer notifications.',
    size: 16,
    roles: [...SWE, 'Frontend Engineer', 'Frontend Engineer', 'Mobile Engineer'],
  },
  {
    name: 'customer-identity',
    title: 'Customer Identity',
    department: 'retail-banking-engineering',
    description: 'Customer profiles, sign-in and multi-factor authentication, consent and GDPR requests.',
    size: 13,
    roles: [...SWE, 'Identity Engineer'],
  },
  {
    name: 'trading-execution',
    title: 'Trading Execution',
    department: 'markets-technology',
    description: 'Order management, smart order routing, FIX connectivity and pre-trade risk checks.',
    size: 14,
    roles: [...SWE, 'Low-Latency Engineer'],
  },
  {
    name: 'market-data',
    title: 'Market Data',
    department: 'markets-technology',
    description: 'Exchange feed handlers, the tick store, price history and instrument reference data.',
    size: 12,
    roles: [...SWE, 'Data Engineer'],
  },
  {
    name: 'portfolio-analytics',
    title: 'Portfolio Analytics',
    department: 'markets-technology',
    description: 'Portfolio valuation, risk analytics and client reporting for wealth-management clients.',
    size: 13,
    roles: [...SWE, 'Quantitative Developer', 'Quantitative Developer'],
  },
  {
    name: 'fraud-detection',
    title: 'Fraud Detection',
    department: 'risk-compliance-engineering',
    description: 'Real-time fraud scoring, the fraud feature pipeline and the analysts’ case manager.',
    size: 13,
    roles: [...SWE, 'Machine Learning Engineer', 'Data Scientist'],
  },
  {
    name: 'regulatory-reporting',
    title: 'Regulatory Reporting',
    department: 'risk-compliance-engineering',
    description: 'Prudential (COREP, FINREP, liquidity) and MiFIR transaction reporting to the regulators.',
    size: 12,
    roles: [...SWE, 'Data Engineer'],
  },
  {
    name: 'financial-crime',
    title: 'Financial Crime',
    department: 'risk-compliance-engineering',
    description: 'Know-your-customer checks, sanctions screening and anti-money-laundering monitoring.',
    size: 12,
    roles: [...SWE, 'Data Engineer'],
  },
  {
    name: 'platform',
    title: 'Platform',
    department: 'platform-engineering',
    description:
      'Runs Gantry, the internal developer platform: golden paths, CI runners, the artifact registry, secrets and the development, staging and production environments.',
    size: 14,
    roles: [...SWE, 'Platform Engineer', 'Platform Engineer', 'Site Reliability Engineer'],
  },
  {
    name: 'observability',
    title: 'Observability',
    department: 'platform-engineering',
    description: 'Metrics, logs, traces, alert routing and the SLO dashboards every team uses.',
    size: 13,
    roles: [...SWE, 'Site Reliability Engineer', 'Site Reliability Engineer'],
  },
  {
    name: 'data-platform',
    title: 'Data Platform',
    department: 'platform-engineering',
    description: 'The Kafka event bus, change-data capture, the analytics warehouse and the feature store.',
    size: 12,
    roles: [...SWE, 'Data Engineer', 'Data Engineer'],
  },
];

// Given and family names from many regions, combined at random: the people are fictional by construction.
const GIVEN_NAMES = [
  'Aaliyah', 'Abebe', 'Adaeze', 'Aditi', 'Ahmed', 'Aiko', 'Alejandro', 'Alessia', 'Amara', 'Amir',
  'Ana', 'Anders', 'Anh', 'Aroha', 'Astrid', 'Ayşe', 'Bao', 'Beatriz', 'Björn', 'Camila',
  'Chen', 'Chidi', 'Chloé', 'Dmitri', 'Elif', 'Emeka', 'Emma', 'Erik', 'Esther', 'Farah',
  'Fatima', 'Felix', 'Fernando', 'Freya', 'Gabriel', 'Grace', 'Hamza', 'Hana', 'Hiroshi', 'Ingrid',
  'Isabela', 'Ivan', 'Jamal', 'Jana', 'Javier', 'Jia', 'Joaquín', 'Jonas', 'Kai', 'Kamala',
  'Karim', 'Kavya', 'Kenji', 'Kwame', 'Lars', 'Layla', 'Leila', 'Liam', 'Lina', 'Luca',
  'Lucía', 'Mai', 'Malik', 'Marta', 'Mateo', 'Mei', 'Mia', 'Mohammed', 'Nadia', 'Naledi',
  'Nikhil', 'Nina', 'Noah', 'Nour', 'Olga', 'Omar', 'Oren', 'Paulo', 'Priya', 'Rafael',
  'Rahul', 'Rania', 'Ravi', 'Rin', 'Rosa', 'Sakura', 'Samir', 'Sanjay', 'Sara', 'Sebastián',
  'Seo-yeon', 'Siddharth', 'Sofia', 'Søren', 'Tariq', 'Thabo', 'Tomás', 'Valentina', 'Wei', 'Yasmin',
  'Yusuf', 'Zanele', 'Zara', 'Zoë',
];

const FAMILY_NAMES = [
  'Abara', 'Adeyemi', 'Aguilar', 'Ahmadi', 'Alvarez', 'Andersen', 'Bakshi', 'Banda', 'Becker', 'Bergström',
  'Castillo', 'Chakraborty', 'Chowdhury', 'Costa', 'Dahl', 'Delacroix', 'Demir', 'Diallo', 'Dubois', 'Eriksen',
  'Fernández', 'Fischer', 'Fujita', 'Gallagher', 'García', 'Gonzaga', 'Gupta', 'Haddad', 'Halvorsen', 'Hashemi',
  'Hoang', 'Ibrahim', 'Iyer', 'Jankowski', 'Jensen', 'Kapoor', 'Kato', 'Kaya', 'Kim', 'Kowalczyk',
  'Lindqvist', 'Lopes', 'Mahlangu', 'Makinde', 'Martins', 'Mbeki', 'Mensah', 'Moreau', 'Morales', 'Mwangi',
  'Nakamura', 'Nguyen', 'Novak', 'Nowak', 'Nyambura', 'Obi', 'Okafor', 'Okonkwo', 'Oliveira', 'Ortega',
  'Osei', 'Özdemir', 'Park', 'Patel', 'Petrov', 'Quispe', 'Rahman', 'Ramírez', 'Reddy', 'Rossi',
  'Russo', 'Saito', 'Santos', 'Schmidt', 'Sharma', 'Silva', 'Singh', 'Sokolova', 'Suzuki', 'Tanaka',
  'Tembo', 'Torres', 'Tran', 'Van der Berg', 'Varga', 'Vasquez', 'Wagner', 'Walsh', 'Wang', 'Watanabe',
  'Wiśniewski', 'Yamamoto', 'Yilmaz', 'Zhang', 'Zhou', 'Zielinski',
];

// Letters that Unicode decomposition does not reduce to ASCII.
const TRANSLITERATION: Record<string, string> = { ø: 'o', æ: 'ae', ß: 'ss', ł: 'l', đ: 'd', ı: 'i' };

/** ASCII, lower-case, `[a-z0-9-]` form of a personal name, usable inside an entity name and an e-mail. */
export function nameSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, (c) => TRANSLITERATION[c] ?? (c === ' ' || c === '-' ? '-' : ''))
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

function backstageEntity(kind: string, metadata: Record<string, unknown>, spec: Record<string, unknown>): object {
  return { apiVersion: BACKSTAGE, kind, metadata, spec };
}

function group(
  name: string,
  title: string,
  description: string,
  type: string,
  parent: string | undefined,
  children: string[],
): object {
  return backstageEntity(
    'Group',
    { name, title, description },
    {
      type,
      profile: { displayName: title, email: `${name}@${SAMPLE_EMAIL_DOMAIN}` },
      ...(parent ? { parent } : {}),
      children,
    },
  );
}

interface Person {
  name: string;
  displayName: string;
}

function uniquePeople(rng: SeededRandom, count: number): Person[] {
  const people: Person[] = [];
  const taken = new Set<string>();
  while (people.length < count) {
    const given = rng.pick(GIVEN_NAMES);
    const family = rng.pick(FAMILY_NAMES);
    const name = `${nameSlug(given)}.${nameSlug(family)}`;
    if (taken.has(name)) continue;
    taken.add(name);
    people.push({ name, displayName: `${given} ${family}` });
  }
  return people;
}

function user(person: Person, role: string, team: string, teamTitle: string): object {
  return backstageEntity(
    'User',
    { name: person.name, title: person.displayName, description: `${role}, ${teamTitle}` },
    {
      profile: { displayName: person.displayName, email: `${person.name}@${SAMPLE_EMAIL_DOMAIN}` },
      memberOf: [team],
    },
  );
}

/** Group and User documents of the sample organisation: one root, a division, four departments, 15 teams. */
export function orgDocuments(seed: number): object[] {
  const rng = seededRandom(seed);
  const docs: object[] = [];
  docs.push(group(ORG.name, ORG.title, ORG.description, 'organization', undefined, [DIVISION.name]));
  docs.push(
    group(DIVISION.name, DIVISION.title, DIVISION.description, 'division', ORG.name, DEPARTMENTS.map((d) => d.name)),
  );
  for (const dept of DEPARTMENTS) {
    const children = TEAMS.filter((t) => t.department === dept.name).map((t) => t.name);
    docs.push(group(dept.name, dept.title, dept.description, 'department', DIVISION.name, children));
  }
  for (const team of TEAMS) docs.push(group(team.name, team.title, team.description, 'team', team.department, []));

  const headcount = 1 + DEPARTMENTS.length + TEAMS.reduce((sum, t) => sum + t.size, 0);
  const people = uniquePeople(rng, headcount);
  let next = 0;
  const take = (): Person => people[next++]!;
  docs.push(user(take(), 'Chief Technology Officer', DIVISION.name, DIVISION.title));
  for (const dept of DEPARTMENTS) docs.push(user(take(), dept.head, dept.name, dept.title));
  for (const team of TEAMS) {
    docs.push(user(take(), 'Engineering Manager', team.name, team.title));
    docs.push(user(take(), 'Staff Engineer', team.name, team.title));
    for (let i = 2; i < team.size; i++) docs.push(user(take(), rng.pick(team.roles), team.name, team.title));
  }
  return docs;
}
