import type { ServerMessage } from '../schema/agent/protocol'
import type { DeliveredConnector } from '../schema/inventory/connectors'
import type { DesiredResource } from '../schema/resources/desired'
import type { FactsReporter } from './facts-reporter'
import { spoolOverflowed } from './frames'
import type { Identity } from './identity'
import type { Logger } from './log'
import type { Outbox } from './outbox'
import type { Spool } from './spool'
import type { StatusFile } from './status-file'
import type { StepRunner } from './steps/runner'
import type { Upgrader } from './upgrade/upgrader'

type Message<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>

export interface SessionDeps {
  identity: Identity
  spool: Spool
  outbox: Outbox
  reporter: FactsReporter
  status: StatusFile
  steps: Pick<StepRunner, 'run' | 'cancel'>
  log: Logger
  /** Keeps the resources the platform sends true on this host. */
  resources: { desired(resources: DesiredResource[], applier: string[] | null): void }
  /** Runs the cloud connectors the platform gives this agent. */
  connectors: { delivered(connectors: DeliveredConnector[]): void }
  /** Upgrades the agent when told to, and confirms or reports upgrades once connected. */
  upgrader: Pick<Upgrader, 'upgrade' | 'welcomed'>
  /** The configured facts interval; without one, the platform's welcome sets it. */
  factsIntervalSeconds: number | undefined
}

/**
 * What the agent does on its connection: once welcomed, reports dropped events and replays
 * the spool; then settles acks, deals with events the platform refuses, and hands steps and
 * cancellations to the step runner.
 */
export class AgentSession {
  private send: ((text: string) => void) | undefined
  private pendingSet: { set: string; parts: DesiredResource[][] } | undefined

  constructor(private readonly deps: SessionDeps) {}

  opened(send: (text: string) => void) {
    this.send = send
    this.deps.status.update({ state: 'connected' })
  }

  closed() {
    this.send = undefined
    this.pendingSet = undefined
    this.deps.outbox.detach()
    this.deps.status.update({ state: 'disconnected' })
  }

  received(message: ServerMessage) {
    switch (message.type) {
      case 'welcome':
        return this.welcomed(message)
      case 'ack':
        return this.acked(message)
      case 'error':
        return this.errored(message)
      case 'refresh_facts':
        this.deps.reporter.forget()
        return void this.deps.reporter.report()
      case 'step':
        // The runner reports how it ends; the connection goes on receiving meanwhile.
        return void this.deps.steps.run(message)
      case 'cancel':
        return this.deps.steps.cancel(message.run_id)
      case 'resources':
        return this.desiredParts(message)
      case 'connectors':
        return this.deps.connectors.delivered(message.connectors)
      case 'upgrade':
        // It reports how it ends; the connection goes on receiving meanwhile.
        return void this.deps.upgrader.upgrade(message)
      default: {
        const unknown: never = message
        return unknown
      }
    }
  }

  private welcomed(message: Message<'welcome'>) {
    const { outbox, spool, reporter, status, log } = this.deps
    log.info('welcome', {
      agent_status: message.status,
      facts_interval_seconds: message.facts_interval_seconds,
    })
    status.update({ agent_status: message.status })
    if (this.deps.factsIntervalSeconds === undefined) reporter.every(message.facts_interval_seconds)
    // A second welcome (the agent was approved meanwhile) finds the replay already running.
    if (outbox.attached || !this.send) return
    const { dropped } = spool.stats
    if (dropped > 0) {
      log.warn('reporting events dropped while offline', { dropped })
      outbox.submit(spoolOverflowed(this.deps.identity, dropped))
      spool.forgetDropped(dropped)
      // The dropped events may have been reports: the next one is complete.
      reporter.forget()
    }
    outbox.attach(this.send, message.batch_bytes)
    this.deps.upgrader.welcomed()
    void reporter.report()
  }

  /** Parts of a desired set wait for the rest of it; a newer set replaces one still incomplete. */
  private desiredParts(message: Message<'resources'>) {
    if (this.pendingSet?.set !== message.set) this.pendingSet = { set: message.set, parts: [] }
    this.pendingSet.parts[message.part - 1] = message.resources
    const received = this.pendingSet.parts.filter((part) => part !== undefined).length
    if (received < message.parts) return
    this.deps.resources.desired(this.pendingSet.parts.flat(), message.applier)
    this.pendingSet = undefined
  }

  private acked(message: Message<'ack'>) {
    const count = this.deps.outbox.acked(message.ids)
    if (count > 0) this.deps.log.info('acked', { count, spooled: this.deps.spool.stats.count })
    this.recordCounters()
  }

  private errored(message: Message<'error'>) {
    const { retryable } = message
    const { type: _, retryable: __, ...fields } = message
    this.deps.log.warn(
      retryable ? 'platform could not store an event yet' : 'platform refused a message',
      fields,
    )
    if (message.event_id === null) return
    // The platform now misses a report, or will get it out of order: the next one is complete.
    this.deps.reporter.forget()
    if (!retryable) this.deps.outbox.rejected(message.event_id)
    this.recordCounters()
  }

  private recordCounters() {
    this.deps.status.update({ events: { ...this.deps.outbox.counters } })
  }
}
