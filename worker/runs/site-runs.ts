import { monotonicFactory } from 'ulid'
import type { AgentFrame } from '../../schema/agent/protocol'
import { EventType, type LoggedEvent, type RunFinished, type SitewireEventBody } from '../../schema/events'
import { isConnected, toAgent } from '../agents/agent-connections'
import type { StepFiles } from '../files/site-files'
import { apiError } from '../http/errors'
import type { RequestHandler, SiteEffect, SiteFeature, SiteKernel } from '../site/feature'
import type { SiteScope } from '../site/site-scope'
import type { TaskBook } from '../tasks/task-book'
import { LogFollowers } from './log-followers'
import { fillParams } from './params'
import { archivePath, RunArchiver } from './run-archiver'
import type { RunBook, RunRow } from './run-book'
import { RunCommands } from './run-commands'
import { advanceRun } from './run-decider'
import { RunFold } from './run-fold'
import { RunViews } from './run-views'

const _nextId = monotonicFactory()
/** Whether an event can move a run's or a step's due time: every run and step event but output, and presence. */
const movesDue = (type: string) =>
  type !== EventType.stepOutput &&
  (type.startsWith('io.sitewire.run.') ||
    type.startsWith('io.sitewire.step.') ||
    type === EventType.agentConnected ||
    type === EventType.agentDisconnected)
const LOGS_PATH = /\/runs\/([0-9A-Z]{26})\/logs$/

/** What the runs need beside the kernel: their book, and the files their steps move. */
export interface SiteRunsPorts {
  book: RunBook
  tasks: TaskBook
  /** File steps carry where the agent moves the bytes. */
  files: StepFiles
}

/**
 * A site's tasks and runs: commands decided here become events; after each change the runs
 * are advanced (dispatching steps, retrying, timing out, finishing) until they settle, and
 * agents are told what to run or stop. Ended runs' output moves to archives in R2.
 */
export class SiteRuns implements SiteFeature {
  readonly name = 'runs'
  private readonly scope: SiteScope
  readonly followers: LogFollowers
  private readonly archiver: RunArchiver
  readonly views: RunViews
  readonly commands: RunCommands
  private readonly fold: RunFold
  /** When a run or step is next due (ms), as last read; null once an event may have moved it. */
  private nextDue: number | undefined | null = null
  /** When the archiver asked to be woken (ms), until the next work. */
  private archiverDue: number | undefined

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteRunsPorts,
  ) {
    this.scope = kernel.scope
    this.followers = new LogFollowers((runId, after) =>
      kernel.log.readSubject(runId, EventType.stepOutput, after, 1000),
    )
    this.archiver = new RunArchiver({
      book: ports.book,
      log: kernel.log,
      bucket: kernel.env.ARCHIVES,
      site: kernel.site,
      commit: kernel.commit,
      now: kernel.now,
      wakeAt: (at) => {
        this.archiverDue = Math.min(this.archiverDue ?? at, at)
        kernel.wake()
      },
    })
    this.fold = new RunFold(kernel.db, ports.book)
    this.views = new RunViews(kernel, {
      book: ports.book,
      tasks: ports.tasks,
      archiveOf: (run) => this.archiver.find(run),
    })
    this.commands = new RunCommands(kernel, ports, this.views)
  }

  evolve(event: LoggedEvent) {
    this.fold.apply(event)
    if (movesDue(event.type)) this.nextDue = null
  }

  /** An archived run's output chunks are in its archive: the log lets them go with the event that says so. */
  prunes(event: LoggedEvent) {
    return event.type === EventType.runArchived
      ? { subject: (event.data as { run_id: string }).run_id, type: EventType.stepOutput }
      : undefined
  }

  /** A run's output as server-sent events, for a caller of the site's tenant. */
  readonly requests: RequestHandler = {
    handles: (path) => LOGS_PATH.test(path),
    handle: async (request, url) => {
      const site = this.scope.ofTenant(request.headers.get('x-sitewire-tenant'))
      return this.followLogs(site.id, LOGS_PATH.exec(url.pathname)?.[1] ?? '', request)
    },
  }

  due() {
    if (this.nextDue === null) this.nextDue = this.ports.book.nextDue()
    const next = this.nextDue
    if (next === undefined) return this.archiverDue
    return this.archiverDue === undefined ? next : Math.min(next, this.archiverDue)
  }

  /** Runs resume from their state: anything overdue is decided now. */
  work() {
    this.archiverDue = undefined
    this.advance()
  }

  /** A run's output as server-sent events, from `Last-Event-ID` (or `after`) on. */
  private followLogs(siteId: string, runId: string, request: Request): Response {
    const query = JSON.parse(request.headers.get('x-sitewire-query') ?? '{}') as {
      agent_id?: string
      after?: number
    }
    const run = this.views.requireRun(runId)
    const lastEventId = Number(request.headers.get('last-event-id'))
    return this.followers.open(runId, {
      after: Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : (query.after ?? 0),
      agentId: query.agent_id,
      finished:
        run.finishedAt === null
          ? undefined
          : (this.kernel.log.readSubject(runId, EventType.runFinished, 0, 1)[0]?.data as
              | RunFinished
              | undefined),
      archived: run.archive ? { ...run.archive, download: archivePath(siteId, runId) } : undefined,
    })
  }

  // Agents' side

  /** An agent may report only on runs it is a target of; its step events are filed under the run. */
  admit(frame: AgentFrame, agentId: string): AgentFrame {
    if (
      frame.type !== EventType.stepStarted &&
      frame.type !== EventType.stepOutput &&
      frame.type !== EventType.stepFinished
    )
      return frame
    if (!this.ports.book.targets(frame.data.run_id, agentId)) {
      throw apiError(404, 'unknown_run', 'this agent has no step of that run')
    }
    // Archived output left the log, and with it what recognises a repeated chunk: late ones are refused.
    if (frame.type === EventType.stepOutput && this.ports.book.archived(frame.data.run_id)) {
      throw apiError(409, 'run_archived', "the run's output is archived and takes no more")
    }
    return { ...frame, subject: frame.data.run_id }
  }

  /** A (re)connected or newly approved agent gets the steps it is in the middle of again; it runs each attempt once. */
  private resendSteps(agentId: string): SiteEffect[] {
    return this.ports.book
      .activeStepsOf(agentId)
      .flatMap((agent) => this.stepMessage(agent.runId, agentId, agent.stepIndex, agent.attempt))
  }

  /** The step an agent is to run, with the URLs its files move by; none when the run is gone. */
  private stepMessage(runId: string, agentId: string, index: number, attempt: number): SiteEffect[] {
    const params = this.ports.book.paramsOf(runId)
    const step = this.ports.book.definitionOf(runId)?.steps[index]
    if (!params || !step) return []
    const filled = fillParams(step, params)
    return [
      toAgent(agentId, {
        type: 'step',
        run_id: runId,
        index,
        attempt,
        step: filled,
        ...this.ports.files.transfer(agentId, filled, { runId, index, attempt }),
      }),
    ]
  }

  /** Acts on stored events: tells agents what to run or stop, feeds log followers, advances runs. */
  react(fresh: readonly LoggedEvent[]): SiteEffect[] {
    const effects: SiteEffect[] = []
    // A run's decision depends on its own state, on its task's other runs and on agents'
    // presence: only the runs these events touch are decided again, all of them when an agent comes or goes.
    const touched = new Set<string>()
    let released = false
    let everyRun = false
    for (const event of fresh) {
      const data = event.data as { run_id?: string; agent_id?: string; index?: number; attempt?: number }
      switch (event.type) {
        case EventType.stepDispatched:
          effects.push(
            ...this.stepMessage(
              data.run_id as string,
              data.agent_id as string,
              data.index as number,
              data.attempt as number,
            ),
          )
          break
        case EventType.stepFinished:
          // The platform gave up on a step: the agent, if it is still there, stops it.
          if (!event.source.includes('/agents/'))
            effects.push(toAgent(data.agent_id as string, { type: 'cancel', run_id: data.run_id as string }))
          break
        case EventType.runCancelRequested:
          for (const agent of this.ports.book.runAgents(data.run_id as string, ['active']))
            effects.push(toAgent(agent.agentId, { type: 'cancel', run_id: data.run_id as string }))
          break
        case EventType.agentConnected:
        case EventType.agentApproved:
          effects.push(...this.resendSteps(data.agent_id as string))
          everyRun = true
          break
        case EventType.agentDisconnected:
          everyRun = true
          break
      }
      if (event.type.startsWith('io.sitewire.step.') || event.type === EventType.runFinished)
        this.followers.publish(event)
      this.archiver.react(event)
      if (
        data.run_id &&
        (event.type.startsWith('io.sitewire.run.') || event.type === EventType.stepFinished)
      ) {
        touched.add(data.run_id)
        // A run that ends may free its task for the runs queued behind it.
        if (event.type === EventType.runFinished || event.type === EventType.runSkipped) released = true
      }
    }
    if (everyRun) this.advance()
    else if (touched.size > 0) this.advance({ ids: [...touched], sameTask: released })
    return effects
  }

  /**
   * Moves the working runs (all, or those chosen) one decision on. Each decision is stored, and
   * its reaction advances the runs it touched again, until nothing more is decided.
   */
  private advance(among?: { ids: string[]; sameTask: boolean }) {
    for (const run of this.ports.book.workingRuns(among)) {
      const bodies = this.decide(run)
      if (bodies.length === 0) continue
      this.kernel.record(bodies, run.id, 'system/runs')
    }
    this.archiver.tick()
  }

  private decide(run: RunRow): SitewireEventBody[] {
    const book = this.ports.book
    const definition = this.ports.tasks.definition(run.taskId, run.taskVersion)
    if (!definition) return []
    return advanceRun({
      run,
      definition,
      counts: book.counts(run.id),
      agents: (states, limit, connected) =>
        connected
          ? book
              .runAgents(run.id, states)
              .filter((agent) => isConnected(this.kernel.ctx, agent.agentId))
              .slice(0, limit)
          : book.runAgents(run.id, states, limit),
      due: () => book.dueAgents(run.id, this.kernel.now()),
      taskBusy: () => book.taskBusy(run),
      online: (agentId) => isConnected(this.kernel.ctx, agentId),
      now: this.kernel.now(),
    })
  }
}
