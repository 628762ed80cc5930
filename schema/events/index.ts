import * as v from 'valibot'
import {
  AgentConnected,
  AgentDecided,
  AgentDisconnected,
  AgentEnrolled,
  AgentFactsReported,
  AgentSpoolOverflowed,
  EnrolmentTokenCreated,
  EnrolmentTokenRevoked,
} from './agent'
import { SiteArchived, SiteCreated, SiteRestored, SiteUpdated } from './site'
import { EventType } from './types'

export * from './agent'
export * from './cloudevent'
export * from './site'
export * from './types'

const sitewireEvent = <T extends string, D extends v.GenericSchema>(type: T, data: D) =>
  v.object({ type: v.literal(type), data })

/** Every `io.sitewire.*` event: its type and the schema of its `data`. */
export const SitewireEventBody = v.variant('type', [
  sitewireEvent(EventType.siteCreated, SiteCreated),
  sitewireEvent(EventType.siteUpdated, SiteUpdated),
  sitewireEvent(EventType.siteArchived, SiteArchived),
  sitewireEvent(EventType.siteRestored, SiteRestored),
  sitewireEvent(EventType.enrolmentTokenCreated, EnrolmentTokenCreated),
  sitewireEvent(EventType.enrolmentTokenRevoked, EnrolmentTokenRevoked),
  sitewireEvent(EventType.agentEnrolled, AgentEnrolled),
  sitewireEvent(EventType.agentApproved, AgentDecided),
  sitewireEvent(EventType.agentRejected, AgentDecided),
  sitewireEvent(EventType.agentRevoked, AgentDecided),
  sitewireEvent(EventType.agentConnected, AgentConnected),
  sitewireEvent(EventType.agentDisconnected, AgentDisconnected),
  sitewireEvent(EventType.agentFactsReported, AgentFactsReported),
  sitewireEvent(EventType.agentSpoolOverflowed, AgentSpoolOverflowed),
])
export type SitewireEventBody = v.InferOutput<typeof SitewireEventBody>
