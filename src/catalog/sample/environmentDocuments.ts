const GANTRY = 'gantry.dev/v1alpha1';

/** The team that owns the sample environments (a Group in org.yaml). */
export const ENVIRONMENT_OWNER = 'platform';

/**
 * Development → staging → production, owned by the platform team. All three use the `local` driver so the
 * sample runs on one machine with no cluster: a demo must be able to deploy to every environment.
 */
export function environmentDocuments(): object[] {
  return [
    {
      apiVersion: GANTRY,
      kind: 'Environment',
      metadata: {
        name: 'development',
        title: 'Development',
        description: 'Shared integration environment. Every merge to main deploys here automatically; data is synthetic.',
      },
      spec: { type: 'development', owner: ENVIRONMENT_OWNER, driver: 'local', order: 1, requiredApprovals: 0 },
    },
    {
      apiVersion: GANTRY,
      kind: 'Environment',
      metadata: {
        name: 'staging',
        title: 'Staging',
        description: 'Production-like environment for release candidates, performance tests and scheme certification.',
      },
      spec: { type: 'staging', owner: ENVIRONMENT_OWNER, driver: 'local', order: 2, requiredApprovals: 0 },
    },
    {
      apiVersion: GANTRY,
      kind: 'Environment',
      metadata: {
        name: 'production',
        title: 'Production',
        description:
          'Serves customers. A second person approves every deployment, and changes are frozen over the year-end financial close.',
      },
      spec: {
        type: 'production',
        owner: ENVIRONMENT_OWNER,
        driver: 'local',
        order: 3,
        requiredApprovals: 1,
        freezeWindows: [
          {
            start: '2026-12-21T00:00:00Z',
            end: '2027-01-04T09:00:00Z',
            reason: 'Year-end financial close: production changes need an emergency change approval.',
          },
        ],
      },
    },
  ];
}
