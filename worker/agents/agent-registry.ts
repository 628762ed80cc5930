import { and, asc, eq, gt, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as v from 'valibot'
import type { Facts } from '../../schema/agent/facts'
import type { Agent, EnrolmentToken, ListSiteAgentsQuery } from '../../schema/api/agents'
import * as store from '../../schema/db/site-store'
import { AGENT_STATUS_AFTER, EventType, type LoggedEvent, SitewireEventBody } from '../../schema/events'
import { labelMatches } from '../lib/label-selector'
import { pageAfter } from '../lib/row-pages'
import { updateRow } from '../lib/update-row'
import { applyPackagesDelta } from './packages-delta'

type AgentRow = typeof store.agents.$inferSelect
type TokenRow = typeof store.enrolmentTokens.$inferSelect

export const toAgent = (row: AgentRow, siteId: string): Agent => ({
  id: row.id,
  site_id: siteId,
  hostname: row.hostname,
  labels: row.labels,
  status: row.status,
  presence: row.presence,
  version: row.version,
  facts: row.facts as Facts,
  enrolled_at: row.enrolledAt,
  last_seen_at: row.lastSeenAt,
})

export const toEnrolmentToken = (row: TokenRow): EnrolmentToken => ({
  id: row.id,
  created_at: row.createdAt,
  expires_at: row.expiresAt,
  max_uses: row.maxUses,
  uses: row.uses,
  labels: row.labels,
  revoked_at: row.revokedAt,
})

/**
 * The site's agents and enrolment tokens, kept in the object's SQLite as their events left
 * them. `apply` runs in the same transaction as the append, so these tables never disagree
 * with the log, and replaying the log rebuilds them.
 */
export class AgentRegistry {
  /** Looked up for every frame an agent sends: built once, not per call. */
  private readonly agentById
  private readonly tokenById

  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {
    this.agentById = db
      .select()
      .from(store.agents)
      .where(eq(store.agents.id, sql.placeholder('id')))
      .prepare()
    this.tokenById = db
      .select()
      .from(store.enrolmentTokens)
      .where(eq(store.enrolmentTokens.id, sql.placeholder('id')))
      .prepare()
  }

  apply(event: LoggedEvent) {
    // Most of a busy site's events are runs' output: skip them before parsing anything.
    if (
      !event.type.startsWith('io.sitewire.agent.') &&
      !event.type.startsWith('io.sitewire.enrolment_token.')
    )
      return
    const parsed = v.safeParse(SitewireEventBody, { type: event.type, data: event.data })
    if (!parsed.success) return
    const body = parsed.output
    const agentWhere = (id: string) => eq(store.agents.id, id)
    switch (body.type) {
      case EventType.enrolmentTokenCreated:
        this.db
          .insert(store.enrolmentTokens)
          .values({
            id: body.data.token_id,
            createdAt: event.time,
            expiresAt: body.data.expires_at,
            maxUses: body.data.max_uses,
            uses: 0,
            labels: body.data.labels,
            revokedAt: null,
          })
          .onConflictDoNothing()
          .run()
        return
      case EventType.enrolmentTokenRevoked:
        updateRow(this.db, store.enrolmentTokens, body.data.token_id, { revokedAt: event.time })
        return
      case EventType.agentEnrolled:
        this.db
          .insert(store.agents)
          .values({
            id: body.data.agent_id,
            publicKey: body.data.public_key,
            hostname: body.data.hostname,
            labels: body.data.labels,
            status: body.data.status,
            presence: 'offline',
            version: null,
            facts: {},
            enrolledAt: event.time,
            lastSeenAt: null,
          })
          .onConflictDoNothing()
          .run()
        updateRow(this.db, store.enrolmentTokens, body.data.token_id, {
          uses: sql`${store.enrolmentTokens.uses} + 1`,
        })
        return
      case EventType.agentApproved:
      case EventType.agentRejected:
      case EventType.agentRevoked: {
        const status = AGENT_STATUS_AFTER
        this.db
          .update(store.agents)
          .set({ status: status[body.type] })
          .where(agentWhere(body.data.agent_id))
          .run()
        return
      }
      case EventType.agentConnected:
        this.db
          .update(store.agents)
          .set({ presence: 'online', version: body.data.version, lastSeenAt: event.time })
          .where(agentWhere(body.data.agent_id))
          .run()
        return
      case EventType.agentDisconnected:
        this.db
          .update(store.agents)
          .set({ presence: 'offline', lastSeenAt: event.time })
          .where(agentWhere(body.data.agent_id))
          .run()
        return
      case EventType.agentFactsReported: {
        const row = this.agent(body.data.agent_id)
        if (!row) return
        const facts: Record<string, unknown> = { ...row.facts, ...body.data.changed }
        for (const name of body.data.removed) delete facts[name]
        const delta = body.data.packages_delta
        if (delta)
          facts.packages = applyPackagesDelta(facts.packages as Record<string, string> | undefined, delta)
        this.db
          .update(store.agents)
          .set({
            facts,
            lastSeenAt: event.time,
            ...(typeof facts.hostname === 'string' ? { hostname: facts.hostname } : {}),
          })
          .where(agentWhere(body.data.agent_id))
          .run()
        return
      }
      default:
        return
    }
  }

  agent(id: string): AgentRow | undefined {
    return this.agentById.get({ id })
  }

  /** The ids of the agents recorded online. */
  onlineIds(): string[] {
    return this.db
      .select({ id: store.agents.id })
      .from(store.agents)
      .where(eq(store.agents.presence, 'online'))
      .all()
      .map((row) => row.id)
  }

  /** Every approved agent, oldest first. */
  approved(): AgentRow[] {
    return this.db
      .select()
      .from(store.agents)
      .where(eq(store.agents.status, 'approved'))
      .orderBy(asc(store.agents.id))
      .all()
  }

  agents(query: ListSiteAgentsQuery): AgentRow[] {
    return this.db
      .select()
      .from(store.agents)
      .where(
        and(
          query.cursor ? gt(store.agents.id, query.cursor) : undefined,
          query.status ? eq(store.agents.status, query.status) : undefined,
          query.presence ? eq(store.agents.presence, query.presence) : undefined,
          labelMatches(store.agents.labels, query.label),
        ),
      )
      .orderBy(asc(store.agents.id))
      .limit(query.limit + 1)
      .all()
  }

  token(id: string): TokenRow | undefined {
    return this.tokenById.get({ id })
  }

  tokens(limit: number, cursor: string | undefined): TokenRow[] {
    return pageAfter(this.db, store.enrolmentTokens, limit, cursor)
  }
}
