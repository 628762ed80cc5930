import { DurableObject } from 'cloudflare:workers'
import { drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import type {
  AuditEntry,
  AuditRecord,
  CreateApiKeyBody,
  CreateGrantBody,
  ListAuditQuery,
} from '../../schema/api/access'
import type { PutSigningKeyBody, SigningKey } from '../../schema/api/agent-builds'
import type {
  CreateTenantIntegrationBody,
  TenantDeliveryQuery,
  UpdateTenantIntegrationBody,
} from '../../schema/api/alerts'
import type { PutSlackAppBody } from '../../schema/api/chatops'
import type { CreateSavedReportBody, UpdateSavedReportBody } from '../../schema/api/saved-reports'
import type { CreateSiteBody } from '../../schema/api/sites'
import type { CreateTeamBody, UpdateTeamBody } from '../../schema/api/teams'
import type { CreateUserBody, UpdateUserBody } from '../../schema/api/users'
import * as store from '../../schema/db/tenant-store'
import type { Principal } from '../access/principal'
import { SigningKeyStore } from '../agent-builds/signing-key-store'
import type { HookInput } from '../alerts/hook-reading'
import type { WriteContext } from '../auth/caller'
import type { PasswordOutcome } from '../auth/password-attempts'
import type { Env } from '../env'
import { ApiError, refusal } from '../http/errors'
import { AlarmScheduler } from '../lib/alarm-scheduler'
import type { Answer } from '../lib/idempotency'
import { errorMessage, log, setLogLevel } from '../lib/log'
import migrations from './migrations/migrations.js'
import type { PasswordChange, SignInToFinish } from './sessions'
import type { RunWatchRow } from './slack-store'
import { type TenantParts, tenantParts } from './tenant-parts'

/**
 * One tenant: its API keys, users, teams and grants, its audit trail, its registry of sites,
 * Slack, tenant-wide integrations and saved reports. Every change is written with its audit
 * record in one transaction. This class only wires the parts (see tenant-parts.ts), answers
 * their RPC calls, and runs each part's due work from its one alarm.
 */
export class TenantObject extends DurableObject<Env> {
  private parts!: TenantParts
  private alarms!: AlarmScheduler

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(async () => {
      const db = drizzle(ctx.storage, { schema: store })
      await migrate(db, migrations)
      this.alarms = new AlarmScheduler(ctx.storage, await ctx.storage.getAlarm())
      this.parts = tenantParts(ctx.storage, env, db, () => this.alarms.schedule(this.parts.scheduled))
      if (this.parts.bootstrap.initialised) this.alarms.schedule(this.parts.scheduled)
    })
  }

  private get tenantId(): string {
    return this.parts.bootstrap.tenantId
  }

  initialize(tenantId: string, domain: string, adminEmail: string) {
    return this.parts.bootstrap.initialize(tenantId, domain, adminEmail)
  }

  recoverAdminKey(tenantId: string, address: string | null) {
    return this.parts.bootstrap.recoverAdminKey(tenantId, address)
  }

  /**
   * Each part whose work is due runs it on its own: one that throws is logged with the tenant
   * and the part's name, and the others still run.
   */
  override async alarm() {
    this.alarms.fired()
    const now = Date.now()
    await this.alarms.work(
      this.parts.scheduled.filter((part) => this.alarms.isDue(part, now)),
      (part) => part.work?.(),
      (part, error) =>
        log('error', 'tenant alarm work failed', {
          tenant_id: this.tenantId,
          part: part.name,
          error: errorMessage(error),
        }),
    )
    this.alarms.schedule(this.parts.scheduled)
  }

  // Authentication

  /**
   * The principal behind an API key hash and when the key expires (ms, null for never), or
   * null when the key is unknown, revoked or expired.
   */
  authenticateKey(hash: string) {
    return this.parts.access.authenticateKey(hash, Date.now())
  }

  /** The signed-in user behind a session cookie's hash, with their roles as granted now; null when over. */
  authenticateSession(hash: string, now = Date.now()): Principal | null {
    return this.parts.sessions.authenticate(hash, now)
  }

  // Sign-in and sessions

  checkPassword(email: string, password: string): Promise<Exclude<PasswordOutcome, 'locked'>> {
    return this.parts.sessions.checkPassword(email, password)
  }
  finishSignIn(attempt: SignInToFinish, now: number) {
    return this.parts.sessions.finishSignIn(attempt, now)
  }
  signOut(sessionId: string, write: WriteContext) {
    return this.parts.sessions.signOut(sessionId, write)
  }
  resetPassword(userId: string, password: string | undefined, write: WriteContext) {
    return this.parts.sessions.resetPassword(userId, password, write, Date.now())
  }
  changePassword(change: PasswordChange, write: WriteContext, now: number) {
    return this.parts.sessions.changePassword(change, write, now)
  }

  // Users

  createUser(spec: CreateUserBody, write: WriteContext) {
    return this.parts.users.create(spec, write)
  }
  listUsers(limit: number, cursor: string | undefined) {
    return this.parts.users.list(limit, cursor)
  }
  getUser(id: string) {
    return this.parts.users.get(id)
  }
  updateUser(id: string, spec: UpdateUserBody, write: WriteContext) {
    return this.parts.users.update(id, spec, write)
  }

  // Teams

  createTeam(spec: CreateTeamBody, write: WriteContext) {
    return this.parts.teams.create(spec, write)
  }
  listTeams(limit: number, cursor: string | undefined) {
    return this.parts.teams.list(limit, cursor)
  }
  getTeam(id: string) {
    return this.parts.teams.get(id)
  }
  updateTeam(id: string, spec: UpdateTeamBody, write: WriteContext) {
    return this.parts.teams.rename(id, spec, write)
  }
  deleteTeam(id: string, write: WriteContext) {
    return this.parts.teams.delete(id, write)
  }
  addTeamMember(id: string, userId: string, write: WriteContext) {
    return this.parts.teams.addMember(id, userId, write)
  }
  removeTeamMember(id: string, userId: string, write: WriteContext) {
    return this.parts.teams.removeMember(id, userId, write)
  }

  // API keys and grants

  createApiKey(spec: CreateApiKeyBody, write: WriteContext) {
    return this.parts.access.createApiKey(spec, write)
  }
  listApiKeys(limit: number, cursor: string | undefined, includeRevoked: boolean) {
    return this.parts.access.listApiKeys(limit, cursor, includeRevoked)
  }
  getApiKey(id: string) {
    return this.parts.access.getApiKey(id)
  }
  revokeApiKey(id: string, write: WriteContext) {
    return this.parts.access.revokeApiKey(id, write)
  }
  createGrant(spec: CreateGrantBody, write: WriteContext) {
    return this.parts.access.createGrant(spec, write)
  }
  listGrants(limit: number, cursor: string | undefined, filter: { subjectId?: string; siteId?: string }) {
    return this.parts.access.listGrants(limit, cursor, filter)
  }
  revokeGrant(id: string, write: WriteContext) {
    return this.parts.access.revokeGrant(id, write)
  }

  // Chat-ops (Slack)

  /** The Slack app with its signing secret, for the commands endpoint only. */
  slackApp() {
    return this.parts.slack.app() ?? null
  }
  configureSlack(spec: PutSlackAppBody, write: WriteContext) {
    return this.parts.slack.configure(spec, this.parts.sites.has(spec.default_site_id), write)
  }
  getSlackApp() {
    return this.parts.slack.get()
  }
  removeSlack(write: WriteContext) {
    return this.parts.slack.remove(write)
  }
  issueSlackLinkCode(write: WriteContext) {
    return this.parts.slack.issueCode(write)
  }
  redeemSlackLinkCode(teamId: string, slackUserId: string, code: string) {
    return this.parts.slack.redeem(teamId, slackUserId, code)
  }

  /** The Sitewire user an API caller is, for showing them their own links; null for a key no user made. */
  slackUserOf(actor: { type: 'key' | 'user'; id: string }) {
    return this.parts.slack.userOf(actor)
  }
  listSlackLinks(limit: number, cursor: string | undefined, userId: string | null) {
    return this.parts.slack.links(limit, cursor, userId)
  }
  unlinkSlack(id: string, ownerOnly: boolean, write: WriteContext) {
    return this.parts.slack.unlink(id, ownerOnly, write)
  }
  slackActor(teamId: string, slackUserId: string) {
    return this.parts.slack.actor(teamId, slackUserId)
  }
  watchSlackRun(watch: Omit<RunWatchRow, 'deadlineAt'>) {
    return this.parts.runWatches.add(watch)
  }

  // Tenant-wide alert integrations

  createIntegration(spec: CreateTenantIntegrationBody, origin: string, write: WriteContext) {
    return this.parts.integrations.create(spec, origin, write)
  }
  listIntegrations(limit: number, cursor: string | undefined, origin: string) {
    return this.parts.integrations.list(limit, cursor, origin)
  }
  getIntegration(id: string, origin: string) {
    return this.parts.integrations.get(id, origin)
  }
  updateIntegration(id: string, spec: UpdateTenantIntegrationBody, origin: string, write: WriteContext) {
    return this.parts.integrations.update(id, spec, origin, write)
  }
  rotateIntegrationSecret(id: string, origin: string, write: WriteContext) {
    return this.parts.integrations.rotate(id, origin, write)
  }
  retireIntegrationSecret(id: string, origin: string, write: WriteContext) {
    return this.parts.integrations.retire(id, origin, write)
  }
  deleteIntegration(id: string, origin: string, write: WriteContext) {
    return this.parts.integrations.remove(id, origin, write)
  }
  integrationRefusals(id: string) {
    return this.parts.integrations.refusals(id)
  }
  integrationDeliveries(id: string, query: TenantDeliveryQuery) {
    return this.parts.integrations.deliveries(id, query)
  }

  /** A delivery from a sender to a tenant-wide integration: checked and read here, its alerts handed to their sites. */
  receiveHook(integrationId: string, input: HookInput) {
    return this.parts.integrations.receive(integrationId, input)
  }

  // Saved inventory reports

  createSavedReport(spec: CreateSavedReportBody, principal: Principal, write: WriteContext) {
    return this.parts.savedReports.create(spec, principal, write)
  }
  listSavedReports(principal: Principal, limit: number, cursor: string | undefined) {
    return this.parts.savedReports.list(principal, limit, cursor)
  }
  getSavedReport(id: string, principal: Principal) {
    return this.parts.savedReports.get(id, principal)
  }
  updateSavedReport(id: string, spec: UpdateSavedReportBody, principal: Principal, write: WriteContext) {
    return this.parts.savedReports.update(id, spec, principal, write)
  }
  deleteSavedReport(id: string, principal: Principal, write: WriteContext) {
    return this.parts.savedReports.delete(id, principal, write)
  }
  runSavedReport(id: string, principal: Principal, write: WriteContext) {
    return this.parts.savedReports.run(id, principal, write)
  }
  savedReportResults(id: string, principal: Principal, limit: number, cursor: string | undefined) {
    return this.parts.savedReports.results(id, principal, limit, cursor)
  }
  savedReportResultFile(id: string, resultId: string, principal: Principal) {
    return this.parts.savedReports.resultFile(id, resultId, principal)
  }

  // Agent builds

  /** The public key agents check builds with; null until the tenant sets one. */
  agentSigningKey(): SigningKey | null {
    return new SigningKeyStore(this.ctx.storage.kv).current()
  }
  async setAgentSigningKey(body: PutSigningKeyBody): Promise<Answer<SigningKey>> {
    try {
      const { key, created } = await new SigningKeyStore(this.ctx.storage.kv).set(body, Date.now())
      return { status: created ? 201 : 200, body: key }
    } catch (error) {
      if (error instanceof ApiError) return refusal(error)
      throw error
    }
  }

  // Audit

  recordAudit(entry: AuditRecord) {
    this.parts.auditTrail.record(entry)
  }

  /** Entries a site committed with its writes, forwarded in a batch; a repeat is stored once. */
  importAudit(entries: AuditEntry[]) {
    this.ctx.storage.transactionSync(() => this.parts.auditTrail.import(entries))
  }
  listAudit(query: ListAuditQuery) {
    return { status: 200, body: this.parts.auditTrail.list(query) }
  }

  // Sites

  createSite(input: CreateSiteBody, write: WriteContext) {
    return this.parts.sites.create(input, write)
  }
  hasSite(siteId: string): boolean {
    return this.parts.sites.has(siteId)
  }

  /** Has every site of the tenant drop and replay its projected rows. */
  rebuildProjections() {
    return this.parts.sites.rebuildProjections()
  }
}
