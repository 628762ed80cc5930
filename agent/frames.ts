import { monotonicFactory } from 'ulid'
import type { AgentFrame } from '../schema/agent/protocol'
import type { ResourceStatusReported } from '../schema/events/resource'
import type { AgentUpgradeFailed } from '../schema/events/rollout'
import type { StepFinished } from '../schema/events/run'
import { EventType } from '../schema/events/types'
import type { ConnectorSyncReported } from '../schema/inventory/connectors'
import type { OutputLine } from '../schema/tasks/run-request'
import type { FactsChange } from './facts/diff'
import type { Identity } from './identity'

// Monotonic, so events made in the same millisecond still sort in the order they were made.
const nextId = monotonicFactory()

type Sender = Pick<Identity, 'site_id' | 'agent_id'>

const envelope = (sender: Sender, now: Date) => ({
  specversion: '1.0' as const,
  id: nextId(now.getTime()),
  source: `/sites/${sender.site_id}/agents/${sender.agent_id}`,
  time: now.toISOString(),
  datacontenttype: 'application/json',
})

export const factsReported = (sender: Sender, change: FactsChange, now = new Date()): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.agentFactsReported,
  data: {
    agent_id: sender.agent_id,
    changed: change.changed,
    removed: change.removed,
    ...(change.packagesDelta ? { packages_delta: change.packagesDelta } : {}),
  },
})

export const spoolOverflowed = (sender: Sender, dropped: number, now = new Date()): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.agentSpoolOverflowed,
  data: { agent_id: sender.agent_id, dropped },
})

/** Which attempt of which step of which run an event is about. */
export interface StepRef {
  run_id: string
  index: number
  attempt: number
}

const stepData = (sender: Sender, ref: StepRef) => ({
  run_id: ref.run_id,
  agent_id: sender.agent_id,
  index: ref.index,
  attempt: ref.attempt,
})

export const stepStarted = (
  sender: Sender,
  ref: StepRef,
  pid: number | null,
  now = new Date(),
): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.stepStarted,
  data: { ...stepData(sender, ref), pid },
})

export const stepOutput = (
  sender: Sender,
  ref: StepRef,
  chunk: number,
  lines: OutputLine[],
  now = new Date(),
): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.stepOutput,
  data: { ...stepData(sender, ref), chunk, lines },
})

export type StepEnd = Omit<StepFinished, 'run_id' | 'agent_id' | 'index' | 'attempt'>

export const stepFinished = (sender: Sender, ref: StepRef, end: StepEnd, now = new Date()): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.stepFinished,
  data: { ...stepData(sender, ref), ...end },
})

export type StatusReport = Omit<ResourceStatusReported, 'agent_id'>

export const resourceStatusReported = (
  sender: Sender,
  report: StatusReport,
  now = new Date(),
): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.resourceStatusReported,
  data: { agent_id: sender.agent_id, ...report },
})

export const upgradeFailed = (
  sender: Sender,
  failure: Omit<AgentUpgradeFailed, 'agent_id'>,
  now = new Date(),
): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.agentUpgradeFailed,
  data: { agent_id: sender.agent_id, ...failure },
})

export const connectorSyncReported = (
  sender: Sender,
  report: ConnectorSyncReported,
  now = new Date(),
): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.connectorSyncReported,
  data: report,
})
