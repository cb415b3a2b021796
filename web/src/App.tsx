import { AppShell } from './components/AppShell.js';
import { ErrorPanel } from './components/ErrorPanel.js';
import { LiveUpdatesProvider } from './live.js';
import { CatalogPage } from './pages/CatalogPage.js';
import { CompliancePage } from './pages/CompliancePage.js';
import { CreatePage } from './pages/CreatePage.js';
import { DeploymentsPage } from './pages/DeploymentsPage.js';
import { EntityPage } from './pages/EntityPage.js';
import { EnvironmentsPage } from './pages/EnvironmentsPage.js';
import { ExemptionsPage } from './pages/ExemptionsPage.js';
import { IncidentPage, IncidentsPage } from './pages/IncidentsPage.js';
import { LocationsPage } from './pages/LocationsPage.js';
import { MetricsPage } from './pages/MetricsPage.js';
import { PipelineRunPage } from './pages/PipelineRunPage.js';
import { PipelinesPage } from './pages/PipelinesPage.js';
import { PlatformMetricsPage } from './pages/PlatformMetricsPage.js';
import { PoliciesPage } from './pages/PoliciesPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { TaskPage } from './pages/TaskPage.js';
import { TasksPage } from './pages/TasksPage.js';
import { TeamPage } from './pages/TeamPage.js';
import { TemplateWizardPage } from './pages/TemplateWizardPage.js';
import { Link, matchRoute, useLocation } from './router.js';
import { SessionGate, useSession } from './session.js';

function Routes() {
  const { pathname } = useLocation();
  if (pathname === '/' || pathname === '/catalog' || pathname === '/catalog/') return <CatalogPage />;
  const entity = matchRoute('/catalog/:kind/:namespace/:name', pathname);
  if (entity) {
    const { kind = '', namespace = '', name = '' } = entity;
    return <EntityPage key={`${kind}:${namespace}/${name}`} kind={kind} namespace={namespace} name={name} />;
  }
  const team = matchRoute('/teams/:namespace/:name', pathname);
  if (team) {
    const { namespace = '', name = '' } = team;
    return <TeamPage key={`${namespace}/${name}`} namespace={namespace} name={name} />;
  }
  if (pathname === '/locations') return <LocationsPage />;
  if (pathname === '/create' || pathname === '/create/') return <CreatePage />;
  const template = matchRoute('/create/:namespace/:name', pathname);
  if (template) {
    const { namespace = '', name = '' } = template;
    return <TemplateWizardPage key={`${namespace}/${name}`} namespace={namespace} name={name} />;
  }
  if (pathname === '/tasks' || pathname === '/tasks/') return <TasksPage />;
  const task = matchRoute('/tasks/:id', pathname);
  if (task) return <TaskPage key={task.id} id={task.id ?? ''} />;
  if (pathname === '/pipelines' || pathname === '/pipelines/') return <PipelinesPage />;
  const run = matchRoute('/pipelines/runs/:id', pathname);
  if (run) return <PipelineRunPage key={run.id} id={run.id ?? ''} />;
  if (pathname === '/environments' || pathname === '/environments/') return <EnvironmentsPage />;
  const deployments = matchRoute('/environments/:env/:component', pathname);
  if (deployments) {
    const { env = '', component = '' } = deployments;
    return <DeploymentsPage key={`${env}/${component}`} environment={env} component={component} />;
  }
  if (pathname === '/policies' || pathname === '/policies/') return <PoliciesPage />;
  const policy = matchRoute('/policies/:name', pathname);
  if (policy) return <PoliciesPage key={policy.name} name={policy.name ?? ''} />;
  if (pathname === '/exemptions' || pathname === '/exemptions/') return <ExemptionsPage />;
  if (pathname === '/compliance' || pathname === '/compliance/') return <CompliancePage />;
  if (pathname === '/metrics' || pathname === '/metrics/' || pathname === '/metrics/delivery') return <MetricsPage />;
  if (pathname === '/metrics/platform' || pathname === '/metrics/platform/') return <PlatformMetricsPage />;
  if (pathname === '/incidents' || pathname === '/incidents/') return <IncidentsPage />;
  const incident = matchRoute('/incidents/:id', pathname);
  if (incident) return <IncidentPage key={incident.id} id={incident.id ?? ''} />;
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{pathname}</code>. <Link to="/catalog">Go to the catalog</Link>.
      </p>
    </div>
  );
}

function SignedIn() {
  const { api } = useSession();
  return (
    <LiveUpdatesProvider api={api}>
      <AppShell>
        <Routes />
      </AppShell>
    </LiveUpdatesProvider>
  );
}

/** The portal: sign-in gate, then the shell and the page for the current path. */
export function App() {
  return (
    <SessionGate
      signIn={(props) => <SignInPage {...props} />}
      unreachable={({ error, retry, signOut }) => (
        <div className="center-screen">
          <div className="signin-card">
            <ErrorPanel error={error} context="Could not check your session" onRetry={retry} />
            <button type="button" className="btn btn-link" onClick={signOut}>
              Sign in with another token
            </button>
          </div>
        </div>
      )}
    >
      <SignedIn />
    </SessionGate>
  );
}
