import { monotonicFactory } from 'ulid'
import type { AgentFrame } from '../schema/agent/protocol'
import { EventType } from '../schema/events/types'
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
  data: { agent_id: sender.agent_id, changed: change.changed, removed: change.removed },
})

export const spoolOverflowed = (sender: Sender, dropped: number, now = new Date()): AgentFrame => ({
  ...envelope(sender, now),
  type: EventType.agentSpoolOverflowed,
  data: { agent_id: sender.agent_id, dropped },
})
