/**
 * Every event type Sitewire itself writes. The `io.sitewire.` namespace is reserved:
 * external producers may not append events in it.
 */
export const RESERVED_TYPE_PREFIX = 'io.sitewire.'

export const EventType = {
  siteCreated: 'io.sitewire.site.created',
  siteUpdated: 'io.sitewire.site.updated',
  siteArchived: 'io.sitewire.site.archived',
  siteRestored: 'io.sitewire.site.restored',
  enrolmentTokenCreated: 'io.sitewire.enrolment_token.created',
  enrolmentTokenRevoked: 'io.sitewire.enrolment_token.revoked',
  agentEnrolled: 'io.sitewire.agent.enrolled',
  agentApproved: 'io.sitewire.agent.approved',
  agentRejected: 'io.sitewire.agent.rejected',
  agentRevoked: 'io.sitewire.agent.revoked',
  agentConnected: 'io.sitewire.agent.connected',
  agentDisconnected: 'io.sitewire.agent.disconnected',
  agentFactsReported: 'io.sitewire.agent.facts_reported',
  agentSpoolOverflowed: 'io.sitewire.agent.spool_overflowed',
  agentFactsRefreshRequested: 'io.sitewire.agent.facts_refresh_requested',
  taskCreated: 'io.sitewire.task.created',
  taskUpdated: 'io.sitewire.task.updated',
  taskDeleted: 'io.sitewire.task.deleted',
  runRequested: 'io.sitewire.run.requested',
  runQueued: 'io.sitewire.run.queued',
  runScheduled: 'io.sitewire.run.scheduled',
  runDispatched: 'io.sitewire.run.dispatched',
  runCollecting: 'io.sitewire.run.collecting',
  runSkipped: 'io.sitewire.run.skipped',
  runCancelRequested: 'io.sitewire.run.cancel_requested',
  runFinished: 'io.sitewire.run.finished',
  runArchived: 'io.sitewire.run.archived',
  stepDispatched: 'io.sitewire.step.dispatched',
  stepStarted: 'io.sitewire.step.started',
  stepOutput: 'io.sitewire.step.output',
  stepFinished: 'io.sitewire.step.finished',
} as const
export type EventType = (typeof EventType)[keyof typeof EventType]
