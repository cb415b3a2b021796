import type { ReactNode } from 'react';
import { useLiveUpdates, type LiveStatus } from '../live.js';
import { Link, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { SurveyWidget } from './SurveyWidget.js';

const LIVE_TEXT: Record<LiveStatus, string> = {
  live: 'Live',
  connecting: 'Connecting…',
  offline: 'Live updates off',
};

interface NavItem {
  to: string;
  label: string;
  active: (pathname: string, search: URLSearchParams) => boolean;
}

const NAV: NavItem[] = [
  {
    to: '/catalog',
    label: 'Catalog',
    active: (p, s) => (p === '/' || p.startsWith('/catalog')) && s.get('kind') !== 'group' && !p.startsWith('/catalog/group/'),
  },
  {
    to: '/catalog?kind=group',
    label: 'Teams',
    active: (p, s) => p.startsWith('/teams') || p.startsWith('/catalog/group/') || (p === '/catalog' && s.get('kind') === 'group'),
  },
  { to: '/create', label: 'Create', active: (p) => p.startsWith('/create') },
  { to: '/pipelines', label: 'Pipelines', active: (p) => p.startsWith('/pipelines') },
  { to: '/environments', label: 'Environments', active: (p) => p.startsWith('/environments') },
  { to: '/policies', label: 'Policies', active: (p) => p.startsWith('/policies') },
  { to: '/exemptions', label: 'Exemptions', active: (p) => p.startsWith('/exemptions') },
  { to: '/compliance', label: 'Compliance', active: (p) => p.startsWith('/compliance') },
  { to: '/metrics/delivery', label: 'Metrics', active: (p) => p.startsWith('/metrics') },
  { to: '/incidents', label: 'Incidents', active: (p) => p.startsWith('/incidents') },
  { to: '/tasks', label: 'Tasks', active: (p) => p.startsWith('/tasks') },
  { to: '/locations', label: 'Locations', active: (p) => p.startsWith('/locations') },
];

export interface AppShellProps {
  children: ReactNode;
}

/** The signed-in frame: left navigation, a header with the user and role, and the page. */
export function AppShell({ children }: AppShellProps) {
  const { user, signOut } = useSession();
  const { status } = useLiveUpdates();
  const { pathname, search } = useLocation();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="sidebar">
      <nav className="sidebar-inner" aria-label="Main">
        <Link to="/catalog" className="brand">
          <span className="brand-mark" aria-hidden="true">
            G
          </span>
          Gantry
        </Link>
        <ul className="nav-list">
          {NAV.map((item) => {
            const active = item.active(pathname, search);
            return (
              <li key={item.label}>
                <Link to={item.to} className={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <p className="sidebar-foot">Internal developer platform</p>
      </nav>
      </div>
      <div className="main-column">
        <header className="topbar">
          <span className={`live-indicator live-${status}`} data-testid="live-status">
            <span className="live-dot" aria-hidden="true" />
            {LIVE_TEXT[status]}
          </span>
          <SurveyWidget />
          <div className="user-box" data-testid="current-user">
            <span className="user-name">{user.displayName || user.userRef}</span>
            <span className="user-ref">{user.userRef}</span>
            <span className={`role role-${user.role}`} title="Your role">
              {user.role}
            </span>
          </div>
          <button type="button" className="btn btn-ghost" onClick={() => signOut('You signed out.')}>
            Sign out
          </button>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
