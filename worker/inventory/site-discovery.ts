import { monotonicFactory } from 'ulid'
import * as v from 'valibot'
import { Facts } from '../../schema/agent/facts'
import type * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import { type DiscoverySource, discoveryActor } from '../../schema/inventory/discovery'
import type { SiteFeature, SiteKernel } from '../site/feature'
import { agentCandidates } from './agent-candidates'
import { type DiscoveryDecision, decideDiscovery, type Observation } from './discovery-decider'
import type { InventoryBook, SightingRow } from './inventory-book'
import { decideStaleness, type SightedEntity } from './staleness'

const nextId = monotonicFactory()

type AgentRow = typeof store.agents.$inferSelect

/** What discovery needs beside the kernel: the inventory's book, and the site's agents. */
export interface SiteDiscoveryPorts {
  book: InventoryBook
  agent(agentId: string): AgentRow | undefined
}

/** Events that move when an entity turns stale: a sighting, a change of activity, an agent coming or going. */
const MOVES_STALENESS = new Set<string>([
  EventType.discoveryObserved,
  EventType.entityMarkedStale,
  EventType.entityDeactivated,
  EventType.entityRestored,
  EventType.agentConnected,
  EventType.agentDisconnected,
  EventType.discoverySettingsSet,
])

/** The entity an inventory event is about, which is its subject in the log (a relation's is its source). */
const subjectOf = (body: SitewireEventBody, siteId: string): string => {
  const data = body.data as { entity_id?: string; from_id?: string }
  return data.entity_id ?? data.from_id ?? siteId
}

/**
 * Discovery: keeps the inventory in step with what sources see. Each facts report of an agent
 * is turned into candidate entities and decided against the inventory (events name
 * `discovery:agent:<id>` as their actor); its due work marks entities no source has seen for a
 * while stale, then inactive.
 */
export class SiteDiscovery implements SiteFeature {
  readonly name = 'discovery'
  /** When staleness is next due; undefined once something it depends on changed. */
  private nextStale: { at: number | undefined } | undefined

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteDiscoveryPorts,
  ) {}

  evolve(event: LoggedEvent) {
    if (MOVES_STALENESS.has(event.type)) this.nextStale = undefined
  }

  react(events: readonly LoggedEvent[]) {
    for (const event of events) {
      if (event.type !== EventType.agentFactsReported) continue
      const agentId = (event.data as { agent_id: string }).agent_id
      const facts = v.safeParse(Facts, this.ports.agent(agentId)?.facts)
      if (!facts.success) continue
      this.observe({
        source: `agent:${agentId}`,
        scope: 'facts',
        candidates: agentCandidates(agentId, facts.output),
      })
    }
    return undefined
  }

  /**
   * Decides one look of a source and stores what it changed, with whatever `records` makes of
   * the decision (a connector's sync record) in the same transaction; answers the decision.
   */
  observe(
    observation: Observation,
    records: (decision: DiscoveryDecision) => { body: SitewireEventBody; subject: string }[] = () => [],
  ): DiscoveryDecision | undefined {
    const site = this.kernel.site()
    if (site?.status !== 'active') return undefined
    const decision = decideDiscovery(this.ports.book, observation, site.id, () => nextId())
    const actor = discoveryActor(observation.source)
    const recorded = records(decision)
    this.kernel.commit(undefined, (time) => ({
      events: [
        ...decision.events.flatMap((body) =>
          this.kernel.scope.events([body], subjectOf(body, site.id), actor, time),
        ),
        ...recorded.flatMap(({ body, subject }) => this.kernel.scope.events([body], subject, actor, time)),
      ],
      reply: () => ({ status: 200, body: null }),
    }))
    return decision
  }

  due() {
    this.nextStale ??= {
      at: decideStaleness(this.sighted(), this.kernel.now(), this.ports.book.stalenessSettings()).next,
    }
    return this.nextStale.at
  }

  work() {
    const site = this.kernel.site()
    if (site?.status !== 'active') return
    const { changes } = decideStaleness(
      this.sighted(),
      this.kernel.now(),
      this.ports.book.stalenessSettings(),
    )
    if (changes.length === 0) return
    this.kernel.commit(undefined, (time) => ({
      events: changes.flatMap((change) =>
        this.kernel.scope.events([change.body], change.subject, change.actor, time),
      ),
      reply: () => ({ status: 200, body: null }),
    }))
  }

  /** Every sighted entity with its latest sighting; a connected agent sees now what its facts last showed. */
  private sighted(): SightedEntity[] {
    const now = this.kernel.now()
    const agents = new Map<string, AgentRow | undefined>()
    const agentOf = (agentId: string) => {
      if (!agents.has(agentId)) agents.set(agentId, this.ports.agent(agentId))
      return agents.get(agentId)
    }
    const lastSeen = (sighting: SightingRow) => {
      const seen = Date.parse(sighting.lastSeenAt)
      const agentId =
        sighting.present && sighting.source.startsWith('agent:') ? sighting.source.slice(6) : undefined
      const agent = agentId ? agentOf(agentId) : undefined
      if (!agent) return seen
      if (agent.presence === 'online' && agent.status === 'approved') return now
      return Math.max(seen, agent.lastSeenAt ? Date.parse(agent.lastSeenAt) : 0)
    }
    return this.ports.book.sighted().flatMap(({ row, sightings }) => {
      const latest = sightings
        .map((sighting) => ({ sighting, at: lastSeen(sighting) }))
        .sort((a, b) => b.at - a.at)[0]
      if (!latest) return []
      return [
        {
          id: row.id,
          active: row.active,
          stale: row.stale,
          lastSeenAt: latest.at,
          source: latest.sighting.source as DiscoverySource,
        },
      ]
    })
  }
}
