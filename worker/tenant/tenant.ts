import { DurableObject } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import { monotonicFactory } from 'ulid'
import type {
  ApiKey,
  AuditEntry,
  AuditRecord,
  CreateApiKeyBody,
  CreatedApiKey,
  CreateGrantBody,
  Grant,
  ListAuditQuery,
} from '../../schema/api/access'
import type { PutSigningKeyBody, SigningKey } from '../../schema/api/agent-builds'
import type {
  CreateTenantIntegrationBody,
  TenantDeliveryQuery,
  UpdateTenantIntegrationBody,
} from '../../schema/api/alerts'
import type { PutSlackAppBody } from '../../schema/api/chatops'
import type { CreateSiteBody, Site } from '../../schema/api/sites'
import type { CreateTeamBody, UpdateTeamBody } from '../../schema/api/teams'
import type { CreateUserBody, UpdateUserBody } from '../../schema/api/users'
import * as store from '../../schema/db/tenant-store'
import type { Principal } from '../access/principal'
import { SigningKeyStore } from '../agent-builds/signing-key-store'
import type { HookInput } from '../alerts/hook-reading'
import { TenantIntegrations } from '../alerts/tenant-integrations'
import type { WriteContext } from '../auth/caller'
import type { PasswordOutcome } from '../auth/password-attempts'
import { generatePassword, hashPassword } from '../auth/passwords'
import { postToResponseUrl } from '../chatops/response-url'
import type { Env } from '../env'
import { ApiError, apiError, refusal } from '../http/errors'
import { type Answer, IdempotencyStore, type Reply } from '../lib/idempotency'
import { errorMessage, log, setLogLevel } from '../lib/log'
import { byId, toPage } from '../lib/paging'
import { siteOf } from '../objects'
import { ApiKeyStore, type IssuedApiKey, toApiKey } from './api-key-store'
import { AuditTrail } from './audit-trail'
import { Commands } from './command'
import { GrantStore, toGrant } from './grant-store'
import migrations from './migrations/migrations.js'
import { SessionStore } from './session-store'
import { type PasswordChange, Sessions, type SignInToFinish } from './sessions'
import { SlackChatops } from './slack-chatops'
import { SlackRunWatches } from './slack-run-watches'
import { type RunWatchRow, SlackStore } from './slack-store'
import { TeamStore } from './team-store'
import { Teams } from './teams'
import { UserStore } from './user-store'
import { Users } from './users'

const nextId = monotonicFactory()
/** Site objects rebuilt at once during a projection rebuild. */
const REBUILD_CONCURRENCY = 8
const TENANT_ID_KEY = 'tenant_id'

/**
 * One tenant: its API keys, users, teams and grants, its audit trail and its registry of
 * sites. Every change of access is written with its audit record in one transaction.
 */
export class TenantObject extends DurableObject<Env> {
  private db!: DrizzleSqliteDODatabase<typeof store>
  private keys!: ApiKeyStore
  private grants!: GrantStore
  private auditTrail!: AuditTrail
  private idempotency!: IdempotencyStore
  private commands!: Commands
  private users!: Users
  private teams!: Teams
  private sessions!: Sessions
  private slack!: SlackChatops
  private runWatches!: SlackRunWatches
  private integrations!: TenantIntegrations

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(async () => {
      this.db = drizzle(ctx.storage, { schema: store })
      await migrate(this.db, migrations)
      this.keys = new ApiKeyStore(this.db, () => this.tenantId)
      this.grants = new GrantStore(this.db)
      this.auditTrail = new AuditTrail(this.db, ctx.storage.sql)
      this.idempotency = new IdempotencyStore(ctx.storage.sql)
      this.commands = new Commands(ctx.storage, this.auditTrail, this.idempotency)
      const tenantId = () => this.tenantId
      const users = new UserStore(this.db)
      const sessions = new SessionStore(this.db)
      this.users = new Users(env, tenantId, users, sessions, this.grants, this.commands)
      this.teams = new Teams(new TeamStore(this.db), users, this.grants, this.commands)
      this.sessions = new Sessions(tenantId, users, sessions, this.grants, this.commands)
      const slack = new SlackStore(this.db)
      this.slack = new SlackChatops(tenantId, slack, users, this.keys, this.grants, this.commands)
      this.runWatches = new SlackRunWatches(env, tenantId, slack, ctx.storage, postToResponseUrl)
      this.integrations = new TenantIntegrations(
        this.db,
        ctx.storage,
        env,
        tenantId,
        this.commands,
        (siteId) => this.hasSite(siteId),
      )
    })
  }

  private get tenantId(): string {
    const id = this.ctx.storage.kv.get<string>(TENANT_ID_KEY)
    if (!id) throw new Error('tenant object used before it was initialised')
    return id
  }

  /**
   * Binds this object to its tenant and creates the first admin API key and the first
   * admin user (whose email the directory has claimed); returns the key's secret and the
   * user's generated password, this once.
   */
  async initialize(
    tenantId: string,
    domain: string,
    adminEmail: string,
  ): Promise<{ key: IssuedApiKey; adminPassword: string }> {
    if (this.ctx.storage.kv.get(TENANT_ID_KEY)) throw new Error(`tenant ${tenantId} is initialised already`)
    this.ctx.storage.kv.put(TENANT_ID_KEY, tenantId)
    const secret = await this.keys.newSecret()
    const adminPassword = generatePassword()
    const passwordHash = await hashPassword(adminPassword)
    const key = this.ctx.storage.transactionSync(() => {
      const created = this.keys.issue(
        secret,
        { name: 'admin', role: 'admin', site_id: null, scopes: ['api'], expires_at: null },
        null,
      )
      const admin = this.users.add(
        { email: adminEmail, name: 'Admin', passwordHash, role: 'admin' },
        new Date(),
      )
      this.auditTrail.record({
        actor: { type: 'anonymous', id: null },
        action: 'tenant.create',
        object: { type: 'tenant', id: tenantId },
        site_id: null,
        address: null,
        status: 201,
        details: { domain, admin_key_id: created.id, admin_user_id: admin.id, admin_email: adminEmail },
      })
      return created
    })
    return { key, adminPassword }
  }

  /**
   * A new admin API key for an operator who lost every admin credential; only the bootstrap
   * route calls it, behind the deployment's BOOTSTRAP_TOKEN. Null when no such tenant exists.
   */
  async recoverAdminKey(tenantId: string, address: string | null): Promise<IssuedApiKey | null> {
    if (this.ctx.storage.kv.get(TENANT_ID_KEY) !== tenantId) return null
    const secret = await this.keys.newSecret()
    return this.ctx.storage.transactionSync(() => {
      const key = this.keys.issue(
        secret,
        { name: 'recovered admin', role: 'admin', site_id: null, scopes: ['api'], expires_at: null },
        null,
      )
      this.auditTrail.record({
        actor: { type: 'anonymous', id: null },
        action: 'api_key.recover',
        object: { type: 'api_key', id: key.id },
        site_id: null,
        address,
        status: 201,
        details: { via: 'bootstrap_token' },
      })
      return key
    })
  }

  // Authentication

  /**
   * The principal behind an API key hash and when the key expires (ms, null for never), or
   * null when the key is unknown, revoked or expired.
   */
  authenticateKey(hash: string): { principal: Principal; expiresAt: number | null } | null {
    const key = this.keys.findLive(hash, Date.now())
    if (!key) return null
    // A key acts for the user who made it: it stops working while that user is disabled.
    if (key.ownerType === 'user' && key.ownerId && !this.users.isActive(key.ownerId)) return null
    return {
      principal: {
        tenantId: this.tenantId,
        actor: { type: 'key', id: key.id },
        scopes: key.scopes,
        siteRestriction: key.siteId,
        tenantRole: key.siteId ? null : key.role,
        siteRoles: key.siteId ? { [key.siteId]: key.role } : {},
        teams: [],
        sessionId: null,
      },
      expiresAt: key.expiresAt?.getTime() ?? null,
    }
  }

  /** The signed-in user behind a session cookie's hash, with their roles as granted now; null when over. */
  authenticateSession(hash: string, now = Date.now()): Principal | null {
    return this.sessions.authenticate(hash, now)
  }

  // Sign-in and sessions

  checkPassword(email: string, password: string): Promise<Exclude<PasswordOutcome, 'locked'>> {
    return this.sessions.checkPassword(email, password)
  }

  finishSignIn(attempt: SignInToFinish, now: number) {
    return this.sessions.finishSignIn(attempt, now)
  }

  signOut(sessionId: string, write: WriteContext) {
    return this.sessions.signOut(sessionId, write)
  }

  resetPassword(userId: string, password: string | undefined, write: WriteContext) {
    return this.sessions.resetPassword(userId, password, write, Date.now())
  }

  changePassword(change: PasswordChange, write: WriteContext, now: number) {
    return this.sessions.changePassword(change, write, now)
  }

  // Users

  createUser(spec: CreateUserBody, write: WriteContext) {
    return this.users.create(spec, write)
  }

  listUsers(limit: number, cursor: string | undefined) {
    return this.users.list(limit, cursor)
  }

  getUser(id: string) {
    return this.users.get(id)
  }

  updateUser(id: string, spec: UpdateUserBody, write: WriteContext) {
    return this.users.update(id, spec, write)
  }

  // Teams

  createTeam(spec: CreateTeamBody, write: WriteContext) {
    return this.teams.create(spec, write)
  }

  listTeams(limit: number, cursor: string | undefined) {
    return this.teams.list(limit, cursor)
  }

  getTeam(id: string) {
    return this.teams.get(id)
  }

  updateTeam(id: string, spec: UpdateTeamBody, write: WriteContext) {
    return this.teams.rename(id, spec, write)
  }

  deleteTeam(id: string, write: WriteContext) {
    return this.teams.delete(id, write)
  }

  addTeamMember(id: string, userId: string, write: WriteContext) {
    return this.teams.addMember(id, userId, write)
  }

  removeTeamMember(id: string, userId: string, write: WriteContext) {
    return this.teams.removeMember(id, userId, write)
  }

  // API keys

  async createApiKey(spec: CreateApiKeyBody, write: WriteContext): Promise<Answer<CreatedApiKey>> {
    const secret = await this.keys.newSecret()
    return this.commands.run(write, 'api_key.create', 'api_key', () => {
      const created = this.keys.issue(secret, spec, write.caller.actor)
      return {
        status: 201,
        body: created,
        replay: { ...created, secret: null },
        objectId: created.id,
        details: { name: spec.name, role: spec.role, site_id: spec.site_id, scopes: spec.scopes },
      }
    })
  }

  listApiKeys(
    limit: number,
    cursor: string | undefined,
    includeRevoked: boolean,
  ): Answer<{ items: ApiKey[]; next_cursor: string | null }> {
    const rows = this.keys.list(limit + 1, cursor, includeRevoked)
    return { status: 200, body: toPage(rows, limit, (page) => page.map(toApiKey), byId) }
  }

  getApiKey(id: string): Answer<ApiKey> {
    const row = this.keys.get(id)
    return row
      ? { status: 200, body: toApiKey(row) }
      : refusal(apiError(404, 'not_found', 'API key not found'))
  }

  revokeApiKey(id: string, write: WriteContext): Answer<ApiKey> {
    return this.commands.run(write, 'api_key.revoke', 'api_key', () => {
      const existing = this.keys.get(id)
      if (!existing) throw apiError(404, 'not_found', 'API key not found')
      const row = this.keys.revoke(id, new Date()) ?? existing
      return { status: 200, body: toApiKey(row), objectId: id, details: null }
    })
  }

  // Grants

  createGrant(spec: CreateGrantBody, write: WriteContext): Answer<Grant> {
    return this.commands.run(write, 'grant.create', 'grant', () => {
      const subjectTable = spec.subject.type === 'user' ? store.users : store.teams
      const subject = this.db
        .select({ id: subjectTable.id })
        .from(subjectTable)
        .where(eq(subjectTable.id, spec.subject.id))
        .get()
      if (!subject)
        throw apiError(422, 'unknown_subject', `no ${spec.subject.type} ${spec.subject.id} in this tenant`)
      if (spec.site_id && !this.hasSite(spec.site_id))
        throw apiError(422, 'unknown_site', `no site ${spec.site_id} in this tenant`)
      const row = this.grants.grant(spec, new Date())
      return {
        status: 201,
        body: toGrant(row),
        objectId: row.id,
        details: { subject: spec.subject, role: spec.role, site_id: spec.site_id },
      }
    })
  }

  listGrants(limit: number, cursor: string | undefined, filter: { subjectId?: string; siteId?: string }) {
    const rows = this.grants.list(limit + 1, cursor, filter)
    return { status: 200, body: toPage(rows, limit, (page) => page.map(toGrant), byId) }
  }

  revokeGrant(id: string, write: WriteContext): Answer<Grant> {
    return this.commands.run(write, 'grant.revoke', 'grant', () => {
      const row = this.grants.revoke(id)
      if (!row) throw apiError(404, 'not_found', 'grant not found')
      return {
        status: 200,
        body: toGrant(row),
        objectId: id,
        details: {
          subject: { type: row.subjectType, id: row.subjectId },
          role: row.role,
          site_id: row.siteId,
        },
      }
    })
  }

  // Chat-ops (Slack)

  /** The Slack app with its signing secret, for the commands endpoint only. */
  slackApp() {
    return this.slack.app() ?? null
  }

  configureSlack(spec: PutSlackAppBody, write: WriteContext) {
    return this.slack.configure(spec, this.hasSite(spec.default_site_id), write)
  }

  getSlackApp() {
    return this.slack.get()
  }

  removeSlack(write: WriteContext) {
    return this.slack.remove(write)
  }

  issueSlackLinkCode(write: WriteContext) {
    return this.slack.issueCode(write)
  }

  redeemSlackLinkCode(teamId: string, slackUserId: string, code: string) {
    return this.slack.redeem(teamId, slackUserId, code)
  }

  /** The Sitewire user an API caller is, for showing them their own links; null for a key no user made. */
  slackUserOf(actor: { type: 'key' | 'user'; id: string }) {
    return this.slack.userOf(actor)
  }

  listSlackLinks(limit: number, cursor: string | undefined, userId: string | null) {
    return this.slack.links(limit, cursor, userId)
  }

  unlinkSlack(id: string, ownerOnly: boolean, write: WriteContext) {
    return this.slack.unlink(id, ownerOnly, write)
  }

  slackActor(teamId: string, slackUserId: string) {
    return this.slack.actor(teamId, slackUserId)
  }

  watchSlackRun(watch: Omit<RunWatchRow, 'deadlineAt'>) {
    return this.runWatches.add(watch)
  }

  override async alarm() {
    await this.runWatches.work()
    await this.integrations.routed.work()
  }

  // Tenant-wide alert integrations

  createIntegration(spec: CreateTenantIntegrationBody, origin: string, write: WriteContext) {
    return this.integrations.create(spec, origin, write)
  }

  listIntegrations(limit: number, cursor: string | undefined, origin: string) {
    return this.integrations.list(limit, cursor, origin)
  }

  getIntegration(id: string, origin: string) {
    return this.integrations.get(id, origin)
  }

  updateIntegration(id: string, spec: UpdateTenantIntegrationBody, origin: string, write: WriteContext) {
    return this.integrations.update(id, spec, origin, write)
  }

  rotateIntegrationSecret(id: string, origin: string, write: WriteContext) {
    return this.integrations.rotate(id, origin, write)
  }

  retireIntegrationSecret(id: string, origin: string, write: WriteContext) {
    return this.integrations.retire(id, origin, write)
  }

  deleteIntegration(id: string, origin: string, write: WriteContext) {
    return this.integrations.remove(id, origin, write)
  }

  integrationRefusals(id: string) {
    return this.integrations.refusals(id)
  }

  integrationDeliveries(id: string, query: TenantDeliveryQuery) {
    return this.integrations.deliveries(id, query)
  }

  /** A delivery from a sender to a tenant-wide integration: checked and read here, its alerts handed to their sites. */
  receiveHook(integrationId: string, input: HookInput) {
    return this.integrations.receive(integrationId, input)
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
    this.auditTrail.record(entry)
  }

  /** Entries a site committed with its writes, forwarded in a batch; a repeat is stored once. */
  importAudit(entries: AuditEntry[]) {
    this.ctx.storage.transactionSync(() => this.auditTrail.import(entries))
  }

  listAudit(query: ListAuditQuery) {
    return { status: 200, body: this.auditTrail.list(query) }
  }

  // Sites

  /**
   * Registers a new site and creates it in its own object. The registry row is written
   * before the site object is called, so a retry with the same Idempotency-Key finds the
   * same site id even if the first attempt died half-way.
   */
  async createSite(input: CreateSiteBody, write: WriteContext): Promise<Answer<Site>> {
    try {
      const now = Date.now()
      const replay = this.idempotency.find(write.idempotency, now)
      if (replay) return replay as Reply<Site>
      const claimKey = write.idempotency?.key ?? null
      const claimed = claimKey
        ? this.db.select().from(store.siteRegistry).where(eq(store.siteRegistry.createdByKey, claimKey)).get()
        : undefined
      const siteId = claimed?.id ?? nextId()
      if (!claimed) {
        this.db
          .insert(store.siteRegistry)
          .values({ id: siteId, createdAt: new Date(now), createdByKey: claimKey })
          .run()
      }
      const reply = await siteOf(this.env, siteId).createSite(siteId, input, { caller: write.caller })
      if (!reply.refused) this.idempotency.save(write.idempotency, reply, now)
      return reply
    } catch (error) {
      if (error instanceof ApiError) return refusal(error)
      throw error
    }
  }

  hasSite(siteId: string): boolean {
    return (
      this.db
        .select({ id: store.siteRegistry.id })
        .from(store.siteRegistry)
        .where(eq(store.siteRegistry.id, siteId))
        .get() !== undefined
    )
  }

  /** Has every site of the tenant drop and replay its projected rows. */
  async rebuildProjections(): Promise<{ sites: number; failed: string[] }> {
    const ids = this.db
      .select({ id: store.siteRegistry.id })
      .from(store.siteRegistry)
      .all()
      .map((row) => row.id)
    const failed: string[] = []
    const queue = [...ids]
    const worker = async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          await siteOf(this.env, id).rebuildProjection()
        } catch (error) {
          failed.push(id)
          log('error', 'projection rebuild failed', { site_id: id, error: errorMessage(error) })
        }
      }
    }
    await Promise.all(Array.from({ length: REBUILD_CONCURRENCY }, worker))
    return { sites: ids.length, failed }
  }
}
