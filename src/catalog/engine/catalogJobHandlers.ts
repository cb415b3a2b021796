import { SYSTEM } from '../../auth/authorize.js';
import { InputError, NotFoundError } from '../../core/errors.js';
import type { JobHandler } from '../../store/index.js';
import { REFRESH_LOCATION_JOB, type Catalog } from './createCatalog.js';

/**
 * The catalog's queued work, bound to one catalog: `catalog.refresh-location` (payload `{ locationId }`),
 * enqueued on an interval by `refreshDue` and on pushes to a repository. A location deleted meanwhile is
 * skipped; a source that cannot be read is recorded on the location (status `error`), not retried here,
 * since the next interval or push refreshes it again.
 */
export function CATALOG_JOB_HANDLERS(catalog: Catalog): Record<string, JobHandler> {
  return {
    [REFRESH_LOCATION_JOB]: async (job) => {
      const payload = job.payload as { locationId?: unknown } | null;
      const locationId = payload?.locationId;
      if (typeof locationId !== 'string' || locationId === '') {
        throw new InputError(`payload.locationId: expected a location id, found ${JSON.stringify(locationId)}`);
      }
      try {
        const { location, refresh } = await catalog.refreshLocation(SYSTEM, locationId);
        return {
          locationId,
          status: location.status,
          added: refresh.added,
          updated: refresh.updated,
          removed: refresh.removed,
          orphaned: refresh.orphaned,
          unchanged: refresh.unchanged,
          problems: refresh.problems.length,
        };
      } catch (e) {
        if (e instanceof NotFoundError) return { locationId, skipped: 'the location no longer exists' };
        throw e;
      }
    },
  };
}
