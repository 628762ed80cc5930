import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import type * as store from '../../schema/db/tenant-store'
import { TenantIntegrations } from '../alerts/tenant-integrations'
import { postToResponseUrl } from '../chatops/response-url'
import type { Env } from '../env'
import { IdempotencyStore } from '../lib/idempotency'
import { AccessAdmin } from './access-admin'
import { ApiKeyStore } from './api-key-store'
import { AuditTrail } from './audit-trail'
import { TenantBootstrap, tenantIdOf } from './bootstrap'
import { Commands } from './command'
import { GrantStore } from './grant-store'
import { SavedReportRuns } from './saved-report-runs'
import { SavedReportStore } from './saved-report-store'
import { SavedReports } from './saved-reports'
import { SessionStore } from './session-store'
import { Sessions } from './sessions'
import { SiteRegistry } from './site-registry'
import { SlackChatops } from './slack-chatops'
import { SlackRunWatches } from './slack-run-watches'
import { SlackStore } from './slack-store'
import { TeamStore } from './team-store'
import { Teams } from './teams'
import { UserStore } from './user-store'
import { Users } from './users'

/**
 * Builds the parts of one tenant's object over its SQLite, each doing one job, sharing the
 * stores, the audited command path and the idempotency store. `wake` asks the object's alarm
 * for every part's `due` again.
 */
export const tenantParts = (
  storage: DurableObjectStorage,
  env: Env,
  db: DrizzleSqliteDODatabase<typeof store>,
  wake: () => void,
) => {
  const tenantId = () => tenantIdOf(storage)
  const auditTrail = new AuditTrail(db, storage.sql)
  const idempotency = new IdempotencyStore(storage.sql)
  const commands = new Commands(storage, auditTrail, idempotency)
  const keys = new ApiKeyStore(db, tenantId)
  const grants = new GrantStore(db)
  const userStore = new UserStore(db)
  const sessionStore = new SessionStore(db)
  const teamStore = new TeamStore(db)
  const slackStore = new SlackStore(db)
  const reportStore = new SavedReportStore(db)
  const users = new Users(env, tenantId, userStore, sessionStore, grants, commands)
  const bootstrap = new TenantBootstrap(storage, keys, users, auditTrail)
  const sites = new SiteRegistry(db, env, idempotency)
  const hasSite = (siteId: string) => sites.has(siteId)
  const access = new AccessAdmin(db, tenantId, keys, grants, userStore, commands, hasSite)
  const reportRuns = new SavedReportRuns(env, tenantId, reportStore, (owner, now) =>
    access.principalOf(owner, now),
  )
  const integrations = new TenantIntegrations(db, storage, env, tenantId, commands, hasSite, wake)
  const runWatches = new SlackRunWatches(env, tenantId, slackStore, postToResponseUrl, wake)
  return {
    auditTrail,
    bootstrap,
    access,
    sites,
    users,
    teams: new Teams(teamStore, userStore, grants, commands),
    sessions: new Sessions(tenantId, userStore, sessionStore, grants, commands),
    slack: new SlackChatops(tenantId, slackStore, userStore, keys, grants, commands),
    runWatches,
    integrations,
    savedReports: new SavedReports(
      env,
      reportStore,
      teamStore,
      reportRuns,
      commands,
      auditTrail,
      idempotency,
      wake,
    ),
    /** The parts with work from the alarm. */
    scheduled: [runWatches, integrations.routed, reportRuns],
  }
}

export type TenantParts = ReturnType<typeof tenantParts>
