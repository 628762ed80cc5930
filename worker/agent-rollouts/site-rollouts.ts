import { monotonicFactory } from 'ulid'
import type { ServerMessage } from '../../schema/agent/protocol'
import type { AgentBuild, SigningKey } from '../../schema/api/agent-builds'
import type { AgentRollout, CreateRolloutBody } from '../../schema/api/agent-rollouts'
import { EventType, type LoggedEvent } from '../../schema/events'
import { agentBuildKey, agentBuildPath } from '../agent-builds/build-store'
import { agentOrigin, authenticateAgent, isConnected, toAgent } from '../agents/agent-connections'
import type { AgentRegistry } from '../agents/agent-registry'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import type { Page } from '../lib/paging'
import type { RequestHandler, SiteEffect, SiteFeature, SiteKernel } from '../site/feature'
import { decideRollout, type RolloutCommand } from './rollout-decider'
import {
  activeRollout,
  emptyRolloutState,
  evolveRollouts,
  type Rollout,
  type RolloutState,
  rolloutDue,
} from './rollout-state'

const nextId = monotonicFactory()

const ROLLOUT_TYPES = new Set<string>([
  EventType.rolloutStarted,
  EventType.rolloutBatchStarted,
  EventType.rolloutAgentUpgraded,
  EventType.rolloutAgentFailed,
  EventType.rolloutPaused,
  EventType.rolloutResumed,
  EventType.rolloutFinished,
])

const BUILD_PATH = /^\/v1\/sites\/[^/]+\/agents\/builds\/([0-9A-HJKMNP-TV-Z]{26})$/

const SYSTEM = 'system/agent-rollouts'

/** What the rollouts need beside the kernel: the site's agents. */
export interface SiteRolloutsPorts {
  registry: Pick<AgentRegistry, 'agent' | 'approved'>
}

/**
 * Agent upgrades of a site: a rollout sends a build to its agents batch by batch, counts each
 * one upgraded when it reconnects reporting the build's version and failed when it reports a
 * refusal or a rollback or misses the deadline, and halts past its failure budget. Its state
 * is the fold of its events, read back from the log when the object starts.
 */
export class SiteRollouts implements SiteFeature {
  readonly name = 'agent-rollouts'
  private state: RolloutState = emptyRolloutState
  readonly requests: RequestHandler = {
    handles: (path) => BUILD_PATH.test(path),
    handle: (request, url) => this.download(request, url.pathname),
  }

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteRolloutsPorts,
  ) {
    for (const event of kernel.log.readTypes('io.sitewire.rollout.')) this.evolve(event)
  }

  evolve(event: LoggedEvent) {
    if (ROLLOUT_TYPES.has(event.type))
      this.state = evolveRollouts(this.state, { type: event.type, data: event.data, time: event.time ?? '' })
  }

  react(events: readonly LoggedEvent[]): SiteEffect[] {
    const effects: SiteEffect[] = []
    for (const event of events) {
      const data = event.data as { agent_id?: string; agent_ids?: string[]; version?: string }
      switch (event.type) {
        case EventType.rolloutBatchStarted:
          for (const agentId of data.agent_ids ?? []) {
            const row = this.ports.registry.agent(agentId)
            // Already on the build's version (a repeated rollout, say): nothing to wait for.
            if (row?.presence === 'online' && row.version === activeRollout(this.state)?.build.version)
              this.run({ type: 'agent_connected', agent_id: agentId, version: row.version })
            else effects.push(...this.upgradeFor(agentId))
          }
          break
        case EventType.agentConnected: {
          const agentId = data.agent_id as string
          this.run({ type: 'agent_connected', agent_id: agentId, version: data.version as string })
          // Still on its way: it was offline when its batch started, or is yet to swap.
          effects.push(...this.upgradeFor(agentId))
          break
        }
        case EventType.agentUpgradeFailed: {
          const failed = event.data as { agent_id: string; build_id: string; reason: string }
          this.run({
            type: 'agent_failed',
            agent_id: failed.agent_id,
            build_id: failed.build_id,
            reason: failed.reason,
          })
          break
        }
      }
    }
    return effects
  }

  due() {
    return rolloutDue(this.state)
  }

  work() {
    this.run({ type: 'tick' })
  }

  // Operators

  start(
    build: AgentBuild,
    signingKey: SigningKey | null,
    body: CreateRolloutBody,
    actor: string,
    idempotency: IdempotencyClaim | undefined,
  ): Reply<AgentRollout> {
    this.kernel.scope.active()
    if (build.signature_status !== 'valid' && !body.allow_unverified)
      throw apiError(
        422,
        'unverified_build',
        `the build's signature is ${build.signature_status}: agents refuse it (allow_unverified sends it anyway)`,
      )
    const selector = body.selector
    const agentIds = this.ports.registry
      .approved()
      .filter((agent) => Object.entries(selector ?? {}).every(([key, value]) => agent.labels[key] === value))
      .map((agent) => agent.id)
    const rolloutId = nextId(this.kernel.now())
    return this.kernel.write(
      idempotency,
      { subject: rolloutId, actor },
      () =>
        decideRollout(
          this.state,
          {
            type: 'start',
            rollout_id: rolloutId,
            build: {
              id: build.id,
              version: build.version,
              sha256: build.sha256,
              bytes: build.bytes,
              signature: build.signature,
            },
            signing_key: signingKey && {
              public_key: signingKey.public_key,
              endorsement: signingKey.endorsement,
            },
            selector,
            agent_ids: agentIds,
            batch_size: body.batch_size,
            failure_budget: body.failure_budget,
            timeout_seconds: body.timeout_seconds,
          },
          this.kernel.now(),
        ),
      () => ({ status: 201, body: this.view(this.require(rolloutId)) }),
    )
  }

  list(limit: number, cursor: string | undefined): Reply<Page<AgentRollout>> {
    this.kernel.scope.present()
    const ids = this.state.order.filter((id) => !cursor || id > cursor)
    const page = ids.slice(0, limit)
    return {
      status: 200,
      body: {
        items: page.map((id) => this.view(this.require(id))),
        next_cursor: ids.length > limit ? (page.at(-1) ?? null) : null,
      },
    }
  }

  get(rolloutId: string): Reply<AgentRollout> {
    this.kernel.scope.present()
    return { status: 200, body: this.view(this.require(rolloutId)) }
  }

  control(
    rolloutId: string,
    action: 'pause' | 'resume' | 'cancel',
    actor: string,
    idempotency: IdempotencyClaim | undefined,
  ): Reply<AgentRollout> {
    this.kernel.scope.active()
    this.require(rolloutId)
    return this.kernel.write(
      idempotency,
      { subject: rolloutId, actor },
      () => decideRollout(this.state, { type: action, rollout_id: rolloutId }, this.kernel.now()),
      () => ({ status: 200, body: this.view(this.require(rolloutId)) }),
    )
  }

  // Internals

  /** Decides a command the system raised and stores its events. */
  private run(command: RolloutCommand) {
    const events = decideRollout(this.state, command, this.kernel.now())
    const rollout = activeRollout(this.state)
    if (events.length > 0 && rollout) this.kernel.record(events, rollout.id, SYSTEM)
  }

  /** The upgrade message for an agent of the active rollout still to upgrade, when it is connected. */
  private upgradeFor(agentId: string): SiteEffect[] {
    const rollout = activeRollout(this.state)
    const site = this.kernel.site()
    const agent = rollout?.agents.find((entry) => entry.agent_id === agentId)
    if (!rollout || !site || agent?.state !== 'upgrading' || !isConnected(this.kernel.ctx, agentId)) return []
    const origin = agentOrigin(this.kernel.ctx, agentId)
    if (!origin) return []
    const message: ServerMessage = {
      type: 'upgrade',
      rollout_id: rollout.id,
      build: rollout.build,
      url: `${origin}${agentBuildPath(site.id, rollout.build.id)}`,
      signing_key: rollout.signing_key,
      healthy_within_seconds: rollout.timeout_seconds,
    }
    return [toAgent(agentId, message)]
  }

  /** An agent downloads the build it is told to upgrade to, and no other. */
  private async download(request: Request, path: string): Promise<Response> {
    const site = this.kernel.scope.present()
    const buildId = BUILD_PATH.exec(path)?.[1] as string
    const agent = await authenticateAgent(request, path, (id) => this.ports.registry.agent(id))
    const rollout = activeRollout(this.state)
    const upgrading = rollout?.agents.some(
      (entry) => entry.agent_id === agent.id && entry.state === 'upgrading',
    )
    if (!rollout || rollout.build.id !== buildId || !upgrading)
      throw apiError(403, 'not_your_upgrade', 'this agent is not being upgraded to this build')
    const object = await this.kernel.env.ARCHIVES.get(agentBuildKey(site.tenant_id, buildId))
    if (!object) throw apiError(404, 'not_found', 'agent build not found')
    return new Response(object.body, {
      headers: {
        'content-type': 'text/javascript',
        'content-length': String(object.size),
        etag: `"${rollout.build.sha256}"`,
      },
    })
  }

  private require(rolloutId: string): Rollout {
    const rollout = this.state.rollouts[rolloutId]
    if (!rollout) throw apiError(404, 'not_found', 'rollout not found')
    return rollout
  }

  private view(rollout: Rollout): AgentRollout {
    const count = (state: string) => rollout.agents.filter((agent) => agent.state === state).length
    return {
      id: rollout.id,
      site_id: this.kernel.site()?.id ?? '',
      build: rollout.build,
      selector: rollout.selector,
      batch_size: rollout.batch_size,
      failure_budget: rollout.failure_budget,
      timeout_seconds: rollout.timeout_seconds,
      status: rollout.status,
      batch: rollout.batch,
      deadline: rollout.deadline === null ? null : new Date(rollout.deadline).toISOString(),
      counts: {
        waiting: count('waiting'),
        upgrading: count('upgrading'),
        upgraded: count('upgraded'),
        failed: count('failed'),
      },
      agents: rollout.agents,
      reason: rollout.reason,
      created_at: rollout.created_at,
      finished_at: rollout.finished_at,
    }
  }
}
