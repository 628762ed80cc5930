import { EventType, type SitewireEventBody } from '../../../schema/events'
import {
  CONNECTOR_RESOURCE_TYPES,
  type ConnectorIntervals,
  type ConnectorResourceType,
  type ConnectorSpec,
  type ConnectorSyncReported,
  type CreateConnectorBody,
  DEFAULT_INTERVALS,
  PROVIDER_RESOURCE_TYPES,
  type UpdateConnectorBody,
} from '../../../schema/inventory/connectors'
import { apiError } from '../../http/errors'
import type { Candidate, DiscoveryDecision, Observation } from '../discovery-decider'
import { sameValue } from '../field-sources'

/** What the decider knows of a connector. */
export interface ConnectorEntry {
  id: string
  spec: ConnectorSpec
}

export type ConnectorCommand =
  | { type: 'create'; connectorId: string; body: CreateConnectorBody }
  | { type: 'update'; connectorId: string; patch: UpdateConnectorBody }
  | { type: 'delete'; connectorId: string }
  | { type: 'request_sync'; connectorId: string; resourceTypes: ConnectorResourceType[] | undefined }

/** What a command needs of the site: the connector it names, and whether an agent is the site's. */
export interface ConnectorContext {
  connector(connectorId: string): ConnectorEntry | undefined
  agentExists(agentId: string): boolean
}

/** Each of the provider's resource types with its interval: given, else the default; others off. */
const resolveIntervals = (
  provider: ConnectorSpec['provider'],
  given: ConnectorIntervals,
  before?: ConnectorSpec['intervals'],
): ConnectorSpec['intervals'] => {
  const offered = PROVIDER_RESOURCE_TYPES[provider]
  const intervals = {} as ConnectorSpec['intervals']
  for (const type of CONNECTOR_RESOURCE_TYPES) {
    const interval = given[type] ?? before?.[type] ?? DEFAULT_INTERVALS[type]
    if (!offered.includes(type) && given[type] !== undefined && given[type] !== false)
      throw apiError(422, 'unsupported_resource_type', `${provider} connectors do not read ${type}`, [
        { path: `intervals.${type}`, message: `${provider} reads ${offered.join(', ')}` },
      ])
    intervals[type] = offered.includes(type) ? interval : false
  }
  return intervals
}

const requireAgent = (context: ConnectorContext, agentId: string) => {
  if (!context.agentExists(agentId))
    throw apiError(422, 'unknown_agent', 'no such agent in this site', [
      { path: 'agent_id', message: `no agent ${agentId} in this site` },
    ])
}

export const requireConnector = (context: ConnectorContext, connectorId: string) => {
  const connector = context.connector(connectorId)
  if (!connector) throw apiError(404, 'not_found', 'connector not found')
  return connector
}

const specOf = (body: CreateConnectorBody): ConnectorSpec => {
  const intervals = resolveIntervals(body.provider, body.intervals)
  return body.provider === 'aws'
    ? { name: body.name, agent_id: body.agent_id, provider: 'aws', aws: body.aws, intervals }
    : {
        name: body.name,
        agent_id: body.agent_id,
        provider: 'openstack',
        openstack: body.openstack,
        intervals,
      }
}

const patched = (spec: ConnectorSpec, patch: UpdateConnectorBody): ConnectorSpec => {
  const other = spec.provider === 'aws' ? 'openstack' : 'aws'
  if (patch[other] !== undefined)
    throw apiError(
      422,
      'provider_mismatch',
      `this connector is ${spec.provider}: it takes no ${other} settings`,
      [{ path: other, message: `give ${spec.provider} settings` }],
    )
  const intervals = resolveIntervals(spec.provider, patch.intervals ?? {}, spec.intervals)
  const common = { name: patch.name ?? spec.name, agent_id: patch.agent_id ?? spec.agent_id, intervals }
  return spec.provider === 'aws'
    ? { ...common, provider: 'aws', aws: patch.aws ?? spec.aws }
    : { ...common, provider: 'openstack', openstack: patch.openstack ?? spec.openstack }
}

/** Decides a change of a site's connectors. Pure: refusals are thrown as the API's errors. */
export const decideConnector = (
  context: ConnectorContext,
  command: ConnectorCommand,
): SitewireEventBody[] => {
  switch (command.type) {
    case 'create': {
      requireAgent(context, command.body.agent_id)
      return [
        {
          type: EventType.connectorCreated,
          data: { connector_id: command.connectorId, spec: specOf(command.body) },
        },
      ]
    }
    case 'update': {
      const connector = requireConnector(context, command.connectorId)
      if (command.patch.agent_id !== undefined) requireAgent(context, command.patch.agent_id)
      const spec = patched(connector.spec, command.patch)
      if (sameValue(spec, connector.spec)) return []
      return [{ type: EventType.connectorUpdated, data: { connector_id: connector.id, spec } }]
    }
    case 'delete': {
      const connector = requireConnector(context, command.connectorId)
      return [{ type: EventType.connectorDeleted, data: { connector_id: connector.id } }]
    }
    case 'request_sync': {
      const connector = requireConnector(context, command.connectorId)
      const enabled = CONNECTOR_RESOURCE_TYPES.filter((type) => connector.spec.intervals[type] !== false)
      const asked = command.resourceTypes ?? enabled
      const off = asked.filter((type) => !enabled.includes(type))
      if (off.length > 0)
        throw apiError(
          422,
          'resource_type_off',
          `this connector does not read ${off.join(', ')}`,
          off.map((type) => ({ path: 'resource_types', message: `${type} is switched off` })),
        )
      return [
        {
          type: EventType.connectorSyncRequested,
          data: { connector_id: connector.id, resource_types: [...new Set(asked)] },
        },
      ]
    }
  }
}

/** A report's entities as discovery candidates: each matched again by its key, servers also by instance id. */
export const reportCandidates = (report: ConnectorSyncReported): Candidate[] =>
  report.entities.map((entity) => ({
    ref: entity.key,
    kind: entity.kind,
    key: entity.key,
    name: entity.name,
    attributes: entity.attributes,
    ...(entity.tags ? { tags: entity.tags } : {}),
    ...(entity.instance_id ? { match: { instanceId: entity.instance_id } } : {}),
    relations: entity.relations ?? [],
  }))

/** Whether a report proves what it lacks is gone: every region and page read, without an error. */
export const isCompleteSync = (report: ConnectorSyncReported) => report.complete && report.errors.length === 0

/** The look of discovery a sync report is: a failed one retires nothing. */
export const reportObservation = (report: ConnectorSyncReported): Observation => ({
  source: `connector:${report.connector_id}`,
  scope: report.resource_type,
  candidates: reportCandidates(report),
  missed: isCompleteSync(report) ? 'retire' : 'keep',
})

/** The record of a sync: its counts, as discovery decided them, and its errors. */
export const syncedEvent = (
  report: ConnectorSyncReported,
  decision: DiscoveryDecision,
): SitewireEventBody => ({
  type: EventType.connectorSynced,
  data: {
    connector_id: report.connector_id,
    resource_type: report.resource_type,
    started_at: report.started_at,
    finished_at: report.finished_at,
    status: isCompleteSync(report) ? 'succeeded' : 'failed',
    created: decision.created,
    updated: decision.updated,
    retired: decision.retired,
    unchanged: decision.unchanged,
    errors: report.errors,
  },
})
