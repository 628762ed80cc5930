import * as v from 'valibot'
import {
  ConnectorDefined,
  ConnectorRef,
  ConnectorSynced,
  ConnectorSyncReported,
  ConnectorSyncRequested,
} from '../inventory/connectors'
import {
  AgentConnected,
  AgentDecided,
  AgentDisconnected,
  AgentEnrolled,
  AgentFactsRefreshRequested,
  AgentFactsReported,
  AgentSpoolOverflowed,
  EnrolmentTokenCreated,
  EnrolmentTokenRevoked,
} from './agent'
import {
  AlertAcknowledged,
  AlertDeliveryReceived,
  AlertFired,
  AlertResolved,
  AlertSilenceChanged,
  AlertUpdated,
  IntegrationDefined,
  IntegrationRef,
  IntegrationSecretRotated,
  SilenceCreated,
  SilenceRef,
} from './alert'
import { FileDeleted, FileUploaded } from './file'
import {
  CustomFieldDefined,
  CustomFieldRemoved,
  DiscoveryObserved,
  DiscoverySettingsSet,
  EntityDefined,
  EntityGranted,
  EntityGrantRevoked,
  EntityMarkedStale,
  EntityRef,
  OptionListSet,
  RelationAdded,
  RelationRemoved,
} from './inventory'
import { ProjectionQuarantined, ProjectionReleased } from './projection'
import {
  ConsumerCreated,
  ConsumerRef,
  ResourceRef,
  ResourceSettingsChanged,
  ResourceStatusReported,
  ResourceVersioned,
} from './resource'
import {
  AgentUpgradeFailed,
  RolloutAgentFailed,
  RolloutAgentUpgraded,
  RolloutBatchStarted,
  RolloutFinished,
  RolloutRef,
  RolloutStarted,
} from './rollout'
import { RuleNotified, RuleRef, RuleTriggered, RuleVersioned } from './rule'
import {
  RunArchiveDeleted,
  RunArchived,
  RunCancelRequested,
  RunFinished,
  RunMoved,
  RunRequested,
  StepDispatched,
  StepFinished,
  StepOutput,
  StepStarted,
} from './run'
import { ScheduleCreated, ScheduleFired, ScheduleMissed, ScheduleRef, ScheduleUpdated } from './schedule'
import { SiteArchived, SiteCreated, SiteRestored, SiteUpdated } from './site'
import { TaskDeleted, TaskVersioned } from './task'
import { EventType } from './types'

export * from './agent'
export * from './alert'
export * from './cloudevent'
export * from './file'
export * from './inventory'
export * from './projection'
export * from './resource'
export * from './rollout'
export * from './rule'
export * from './run'
export * from './schedule'
export * from './site'
export * from './task'
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
  sitewireEvent(EventType.agentFactsRefreshRequested, AgentFactsRefreshRequested),
  sitewireEvent(EventType.agentUpgradeFailed, AgentUpgradeFailed),
  sitewireEvent(EventType.rolloutStarted, RolloutStarted),
  sitewireEvent(EventType.rolloutBatchStarted, RolloutBatchStarted),
  sitewireEvent(EventType.rolloutAgentUpgraded, RolloutAgentUpgraded),
  sitewireEvent(EventType.rolloutAgentFailed, RolloutAgentFailed),
  sitewireEvent(EventType.rolloutPaused, RolloutRef),
  sitewireEvent(EventType.rolloutResumed, RolloutRef),
  sitewireEvent(EventType.rolloutFinished, RolloutFinished),
  sitewireEvent(EventType.taskCreated, TaskVersioned),
  sitewireEvent(EventType.taskUpdated, TaskVersioned),
  sitewireEvent(EventType.taskDeleted, TaskDeleted),
  sitewireEvent(EventType.fileUploaded, FileUploaded),
  sitewireEvent(EventType.fileDeleted, FileDeleted),
  sitewireEvent(EventType.runRequested, RunRequested),
  sitewireEvent(EventType.runQueued, RunMoved),
  sitewireEvent(EventType.runScheduled, RunMoved),
  sitewireEvent(EventType.runDispatched, RunMoved),
  sitewireEvent(EventType.runCollecting, RunMoved),
  sitewireEvent(EventType.runSkipped, RunMoved),
  sitewireEvent(EventType.runCancelRequested, RunCancelRequested),
  sitewireEvent(EventType.runFinished, RunFinished),
  sitewireEvent(EventType.runArchived, RunArchived),
  sitewireEvent(EventType.runArchiveDeleted, RunArchiveDeleted),
  sitewireEvent(EventType.stepDispatched, StepDispatched),
  sitewireEvent(EventType.stepStarted, StepStarted),
  sitewireEvent(EventType.stepOutput, StepOutput),
  sitewireEvent(EventType.stepFinished, StepFinished),
  sitewireEvent(EventType.scheduleCreated, ScheduleCreated),
  sitewireEvent(EventType.scheduleUpdated, ScheduleUpdated),
  sitewireEvent(EventType.schedulePaused, ScheduleRef),
  sitewireEvent(EventType.scheduleResumed, ScheduleRef),
  sitewireEvent(EventType.scheduleDeleted, ScheduleRef),
  sitewireEvent(EventType.scheduleFired, ScheduleFired),
  sitewireEvent(EventType.scheduleMissed, ScheduleMissed),
  sitewireEvent(EventType.integrationCreated, IntegrationDefined),
  sitewireEvent(EventType.integrationUpdated, IntegrationDefined),
  sitewireEvent(EventType.integrationSecretRotated, IntegrationSecretRotated),
  sitewireEvent(EventType.integrationDeleted, IntegrationRef),
  sitewireEvent(EventType.alertDeliveryReceived, AlertDeliveryReceived),
  sitewireEvent(EventType.alertFired, AlertFired),
  sitewireEvent(EventType.alertUpdated, AlertUpdated),
  sitewireEvent(EventType.alertResolved, AlertResolved),
  sitewireEvent(EventType.alertAcknowledged, AlertAcknowledged),
  sitewireEvent(EventType.alertSilenced, AlertSilenceChanged),
  sitewireEvent(EventType.alertUnsilenced, AlertSilenceChanged),
  sitewireEvent(EventType.silenceCreated, SilenceCreated),
  sitewireEvent(EventType.silenceDeleted, SilenceRef),
  sitewireEvent(EventType.ruleCreated, RuleVersioned),
  sitewireEvent(EventType.ruleUpdated, RuleVersioned),
  sitewireEvent(EventType.ruleDeleted, RuleRef),
  sitewireEvent(EventType.ruleTriggered, RuleTriggered),
  sitewireEvent(EventType.entityCreated, EntityDefined),
  sitewireEvent(EventType.entityUpdated, EntityDefined),
  sitewireEvent(EventType.entityDeactivated, EntityRef),
  sitewireEvent(EventType.entityRestored, EntityRef),
  sitewireEvent(EventType.entityGranted, EntityGranted),
  sitewireEvent(EventType.entityGrantRevoked, EntityGrantRevoked),
  sitewireEvent(EventType.entityMarkedStale, EntityMarkedStale),
  sitewireEvent(EventType.discoveryObserved, DiscoveryObserved),
  sitewireEvent(EventType.discoverySettingsSet, DiscoverySettingsSet),
  sitewireEvent(EventType.connectorCreated, ConnectorDefined),
  sitewireEvent(EventType.connectorUpdated, ConnectorDefined),
  sitewireEvent(EventType.connectorDeleted, ConnectorRef),
  sitewireEvent(EventType.connectorSyncRequested, ConnectorSyncRequested),
  sitewireEvent(EventType.connectorSyncReported, ConnectorSyncReported),
  sitewireEvent(EventType.connectorSynced, ConnectorSynced),
  sitewireEvent(EventType.relationAdded, RelationAdded),
  sitewireEvent(EventType.relationRemoved, RelationRemoved),
  sitewireEvent(EventType.customFieldDefined, CustomFieldDefined),
  sitewireEvent(EventType.customFieldRemoved, CustomFieldRemoved),
  sitewireEvent(EventType.optionListSet, OptionListSet),
  sitewireEvent(EventType.ruleNotified, RuleNotified),
  sitewireEvent(EventType.consumerCreated, ConsumerCreated),
  sitewireEvent(EventType.consumerDeleted, ConsumerRef),
  sitewireEvent(EventType.resourceCreated, ResourceVersioned),
  sitewireEvent(EventType.resourceUpdated, ResourceVersioned),
  sitewireEvent(EventType.resourceDeleteRequested, ResourceRef),
  sitewireEvent(EventType.resourceDeleted, ResourceRef),
  sitewireEvent(EventType.resourceStatusReported, ResourceStatusReported),
  sitewireEvent(EventType.resourceSettingsChanged, ResourceSettingsChanged),
  sitewireEvent(EventType.projectionQuarantined, ProjectionQuarantined),
  sitewireEvent(EventType.projectionReleased, ProjectionReleased),
])
export type SitewireEventBody = v.InferOutput<typeof SitewireEventBody>
