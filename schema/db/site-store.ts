import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { IntegrationSettings } from '../alerts/integration-settings'
import type { AlertLink, AlertSeverity, AlertStatus, IntegrationKind } from '../alerts/received-alert'
import type { RunArchive } from '../api/runs'
import type { ResolveReason, SilenceDefinition } from '../events/alert'
import type { RuleOutcome } from '../events/rule'
import type { RunRequested } from '../events/run'
import type { ScheduleDefinition } from '../events/schedule'
import type { EntityLevel } from '../inventory/access'
import type { CustomFieldDefinition } from '../inventory/custom-fields'
import type { FieldSources } from '../inventory/discovery'
import type { EntityDefinition } from '../inventory/entity'
import type { EntityKind } from '../inventory/kinds'
import type { OptionListName } from '../inventory/option-lists'
import type { RelationType } from '../inventory/relations'
import type { Condition, FeedbackValues, ManifestStatus, ResourceSpec } from '../resources/resource'
import type { RuleDefinition } from '../rules/rule'
import type { RuleTransition } from '../rules/rule-context'
import type { OutputLine, RunStatus, StepOutcome } from '../tasks/run-request'
import type { TaskDefinition } from '../tasks/task'

/**
 * Where a targeted agent stands in a run: `waiting` to start, `ready` for its next step,
 * `active` on a step, `retrying` until its backoff ends, then done one way or another.
 */
export type RunAgentState =
  | 'waiting'
  | 'ready'
  | 'active'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'skipped'

/** The Site object's own SQLite: its append-only event log and what makes writes repeatable. */

export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    source: text('source').notNull(),
    type: text('type').notNull(),
    subject: text('subject'),
    time: text('time').notNull(),
    /** The whole CloudEvent as JSON, without `seq`, and without its data when that is binary. */
    body: text('body').notNull(),
    /** Binary data, byte for byte; read back as `data_base64`. */
    data: blob('data'),
  },
  (t) => [
    uniqueIndex('events_source_id').on(t.source, t.id),
    index('events_type_seq').on(t.type, t.seq),
    index('events_subject_type').on(t.subject, t.type, t.seq),
  ],
)

/**
 * Events the projector could not apply, set aside so that the rest of the log goes on to
 * libSQL; kept in step with `io.sitewire.projection.quarantined` and `….released`.
 */
export const projectionQuarantine = sqliteTable('projection_quarantine', {
  seq: integer('seq').primaryKey(),
  error: text('error').notNull(),
  quarantinedAt: text('quarantined_at').notNull(),
})

/**
 * Audit entries of writes committed here, stored in the write's own transaction and forwarded
 * to the tenant's audit trail in batches; a row goes once the tenant has stored it.
 */
export const auditOutbox = sqliteTable('audit_outbox', {
  id: text('id').primaryKey(),
  entry: text('entry').notNull(),
})

/** The first answer to each `Idempotency-Key`, replayed on repeats. */
export const idempotency = sqliteTable('idempotency', {
  key: text('key').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  status: integer('status').notNull(),
  body: text('body').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
})

/** Enrolment tokens of the site: their state, never the token (it is a JWT the site signed). */
export const enrolmentTokens = sqliteTable('enrolment_tokens', {
  id: text('id').primaryKey(),
  createdAt: text('created_at').notNull(),
  expiresAt: text('expires_at').notNull(),
  maxUses: integer('max_uses').notNull(),
  uses: integer('uses').notNull(),
  labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  revokedAt: text('revoked_at'),
})

/** The site's agents as their events left them; kept in the same transaction as those events. */
export const agents = sqliteTable('agents', {
  id: text('id').primaryKey(),
  publicKey: text('public_key').notNull(),
  hostname: text('hostname').notNull(),
  labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  status: text('status', { enum: ['pending', 'approved', 'rejected', 'revoked'] }).notNull(),
  presence: text('presence', { enum: ['online', 'offline'] }).notNull(),
  version: text('version'),
  facts: text('facts', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  enrolledAt: text('enrolled_at').notNull(),
  lastSeenAt: text('last_seen_at'),
})

/** Tasks as their latest version left them; every version stays in `task_versions`. */
export const tasks = sqliteTable('tasks', {
  id: text('id').primaryKey(),
  version: integer('version').notNull(),
  name: text('name').notNull(),
  labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
  deletedAt: text('deleted_at'),
})

export const taskVersions = sqliteTable(
  'task_versions',
  {
    taskId: text('task_id').notNull(),
    version: integer('version').notNull(),
    definition: text('definition', { mode: 'json' }).$type<TaskDefinition>().notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.version] })],
)

/** Runs and where each stands; `due_at` (ms) is when the alarm must look at it next. */
export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id').notNull(),
    taskVersion: integer('task_version').notNull(),
    status: text('status').$type<RunStatus>().notNull(),
    request: text('request', { mode: 'json' }).$type<RunRequested>().notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedAt: text('requested_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    finishedAt: text('finished_at'),
    reason: text('reason'),
    cancelRequested: integer('cancel_requested', { mode: 'boolean' }).notNull(),
    archive: text('archive', { mode: 'json' }).$type<RunArchive>(),
    dueAt: integer('due_at'),
  },
  (t) => [index('runs_task_status').on(t.taskId, t.status), index('runs_status_due').on(t.status, t.dueAt)],
)

/** Each targeted agent of a run: which step it is on, and when the alarm must check on it. */
export const runAgents = sqliteTable(
  'run_agents',
  {
    runId: text('run_id').notNull(),
    agentId: text('agent_id').notNull(),
    position: integer('position').notNull(),
    state: text('state').$type<RunAgentState>().notNull(),
    stepIndex: integer('step_index').notNull(),
    attempt: integer('attempt').notNull(),
    /** When the current step must have finished (ms): its timeout and a grace. */
    stepDeadline: integer('step_deadline'),
    /** When the alarm must look at this agent next (ms): the step deadline, sooner if the agent went away. */
    dueAt: integer('due_at'),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.agentId] }),
    index('run_agents_state_due').on(t.state, t.dueAt),
    index('run_agents_agent_state').on(t.agentId, t.state),
  ],
)

/** One attempt of one step on one agent, with a preview of its output: its first and last lines. */
export const runSteps = sqliteTable(
  'run_steps',
  {
    runId: text('run_id').notNull(),
    agentId: text('agent_id').notNull(),
    stepIndex: integer('step_index').notNull(),
    attempt: integer('attempt').notNull(),
    outcome: text('outcome').$type<StepOutcome>(),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    message: text('message'),
    dispatchedAt: text('dispatched_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    durationMs: integer('duration_ms'),
    lines: integer('lines').notNull(),
    bytes: integer('bytes').notNull(),
    head: text('head', { mode: 'json' }).$type<OutputLine[]>().notNull(),
    tail: text('tail', { mode: 'json' }).$type<OutputLine[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.agentId, t.stepIndex, t.attempt] })],
)

/**
 * Schedules as their events left them. `next_fire_at` (ms) is when the alarm must fire one
 * next; it is null while paused, once a one-shot has fired, and after deletion.
 */
export const schedules = sqliteTable(
  'schedules',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id').notNull(),
    definition: text('definition', { mode: 'json' }).$type<ScheduleDefinition>().notNull(),
    status: text('status', { enum: ['active', 'paused', 'completed'] }).notNull(),
    nextFireAt: integer('next_fire_at'),
    lastFiredAt: text('last_fired_at'),
    lastRunId: text('last_run_id'),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: text('updated_at').notNull(),
    deletedAt: text('deleted_at'),
  },
  (t) => [index('schedules_status_next').on(t.status, t.nextFireAt)],
)

/** The site's uploaded files as their events left them; the bytes are in R2. */
export const files = sqliteTable('files', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  bytes: integer('bytes').notNull(),
  sha256: text('sha256').notNull(),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by').notNull(),
})

/** Files agents fetched in runs, as each attempt's `step.finished` reported them; the bytes are in R2. */
export const fetchedFiles = sqliteTable(
  'fetched_files',
  {
    runId: text('run_id').notNull(),
    agentId: text('agent_id').notNull(),
    stepIndex: integer('step_index').notNull(),
    attempt: integer('attempt').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.agentId, t.stepIndex, t.attempt] })],
)

/** The site's alert integrations as their events left them. */
export const integrations = sqliteTable('integrations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').$type<IntegrationKind>().notNull(),
  settings: text('settings', { mode: 'json' }).$type<IntegrationSettings>().notNull(),
  secretCount: integer('secret_count').notNull(),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: text('updated_at').notNull(),
  deletedAt: text('deleted_at'),
})

/**
 * Integration secrets, newest first (slot 0): never events, so they are written beside the log
 * in the transaction of the event that says they changed.
 */
export const integrationSecrets = sqliteTable(
  'integration_secrets',
  {
    integrationId: text('integration_id').notNull(),
    slot: integer('slot').notNull(),
    secret: text('secret').notNull(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.slot] })],
)

/** Deliveries refused for their credentials, counted per integration, source address and reason; no body is kept. */
export const hookRefusals = sqliteTable(
  'hook_refusals',
  {
    integrationId: text('integration_id').notNull(),
    sourceAddress: text('source_address').notNull(),
    reason: text('reason').notNull(),
    count: integer('count').notNull(),
    lastAt: text('last_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.sourceAddress, t.reason] })],
)

/** Senders' own delivery ids already accepted, per integration: a repeat is a replay. */
export const hookDeliveries = sqliteTable(
  'hook_deliveries',
  {
    integrationId: text('integration_id').notNull(),
    senderDeliveryId: text('sender_delivery_id').notNull(),
    deliveryId: text('delivery_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.senderDeliveryId] })],
)

/**
 * The site's alerts: one row per series (integration and fingerprint), holding its current or
 * last episode, as the alert events left it.
 */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    integrationId: text('integration_id').notNull(),
    kind: text('kind').$type<IntegrationKind>().notNull(),
    fingerprint: text('fingerprint').notNull(),
    fingerprintFormula: text('fingerprint_formula').notNull(),
    episode: integer('episode').notNull(),
    /** The sender's mark of this episode (Alertmanager's `startsAt`), when it gives one. */
    episodeKey: text('episode_key'),
    status: text('status').$type<AlertStatus>().notNull(),
    severity: text('severity').$type<AlertSeverity>().notNull(),
    name: text('name').notNull(),
    summary: text('summary').notNull(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    annotations: text('annotations', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    links: text('links', { mode: 'json' }).$type<AlertLink[]>().notNull(),
    startsAt: text('starts_at').notNull(),
    endsAt: text('ends_at'),
    resolveReason: text('resolve_reason').$type<ResolveReason>(),
    firstSeenAt: text('first_seen_at').notNull(),
    lastReceivedAt: text('last_received_at').notNull(),
    receiveCount: integer('receive_count').notNull(),
    /** For senders that never resolve: how long a firing episode lasts after its last delivery. */
    resolveAfterSeconds: integer('resolve_after_seconds'),
    /** Ms since the epoch: a firing episode with no delivery by then resolves. */
    expiresAt: integer('expires_at'),
    /** The silences the firing episode is inside. */
    silencedBy: text('silenced_by', { mode: 'json' }).$type<string[]>().notNull(),
    acknowledgedAt: text('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgeNote: text('acknowledge_note'),
    flapping: integer('flapping', { mode: 'boolean' }).notNull(),
    /** When recent episodes fired (ms), newest last: what flapping is judged from. */
    recentFirings: text('recent_firings', { mode: 'json' }).$type<number[]>().notNull(),
  },
  (t) => [
    uniqueIndex('alerts_series').on(t.integrationId, t.fingerprint),
    index('alerts_status').on(t.status, t.id),
    index('alerts_expiry').on(t.expiresAt),
  ],
)

/** The site's silences (maintenance windows) as their events left them. */
export const silences = sqliteTable('silences', {
  id: text('id').primaryKey(),
  definition: text('definition', { mode: 'json' }).$type<SilenceDefinition>().notNull(),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  deletedAt: text('deleted_at'),
})

/** The site's alert rules, latest version, as their events left them. */
export const rules = sqliteTable('rules', {
  id: text('id').primaryKey(),
  version: integer('version').notNull(),
  definition: text('definition', { mode: 'json' }).$type<RuleDefinition>().notNull(),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: text('updated_at').notNull(),
  deletedAt: text('deleted_at'),
})

/** Each time a rule matched an alert's transition, and what came of it: once per episode and transition. */
export const ruleTriggers = sqliteTable(
  'rule_triggers',
  {
    seq: integer('seq').primaryKey(),
    ruleId: text('rule_id').notNull(),
    ruleVersion: integer('rule_version').notNull(),
    alertId: text('alert_id').notNull(),
    fingerprint: text('fingerprint').notNull(),
    episode: integer('episode').notNull(),
    transition: text('transition').$type<RuleTransition>().notNull(),
    outcome: text('outcome').$type<RuleOutcome>().notNull(),
    runId: text('run_id'),
    error: text('error'),
    at: text('at').notNull(),
    /** A notification still to deliver: where, what, how many attempts so far, and when next (ms). */
    notifyUrl: text('notify_url'),
    notifyBody: text('notify_body'),
    notifyAttempts: integer('notify_attempts'),
    notifyAt: integer('notify_at'),
  },
  (t) => [
    index('rule_triggers_notify').on(t.notifyAt),
    index('rule_triggers_rule').on(t.ruleId, t.seq),
    index('rule_triggers_alert').on(t.alertId, t.episode, t.ruleId),
    index('rule_triggers_series').on(t.ruleId, t.fingerprint, t.seq),
  ],
)

/** The site's consumers: who receives resources (one agent, or the agents a selector names). */
export const consumers = sqliteTable(
  'consumers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    agentId: text('agent_id'),
    selector: text('selector', { mode: 'json' }).$type<Record<string, string>>(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    createdAt: text('created_at').notNull(),
    deletedAt: text('deleted_at'),
  },
  (t) => [index('consumers_name').on(t.name)],
)

/** Resources and bundles, latest version, as their events left them. */
export const resources = sqliteTable(
  'resources',
  {
    id: text('id').primaryKey(),
    consumerId: text('consumer_id').notNull(),
    version: integer('version').notNull(),
    spec: text('spec', { mode: 'json' }).$type<ResourceSpec>().notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    deleteRequestedAt: text('delete_requested_at'),
    deletedAt: text('deleted_at'),
  },
  (t) => [index('resources_consumer').on(t.consumerId, t.id)],
)

/** What each agent last reported of a resource; `report` orders one agent's reports. */
export const resourceStatus = sqliteTable(
  'resource_status',
  {
    resourceId: text('resource_id').notNull(),
    agentId: text('agent_id').notNull(),
    report: integer('report').notNull(),
    observedVersion: integer('observed_version').notNull(),
    conditions: text('conditions', { mode: 'json' }).$type<Condition[]>().notNull(),
    feedback: text('feedback', { mode: 'json' }).$type<FeedbackValues>().notNull(),
    /** A bundle's per-manifest status; null for a single resource. */
    manifests: text('manifests', { mode: 'json' }).$type<ManifestStatus[]>(),
    deleted: integer('deleted', { mode: 'boolean' }).notNull(),
    reportedAt: text('reported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resourceId, t.agentId] })],
)

/** Every status report that changed a resource's status, by the seq of its event. */
export const resourceStatusHistory = sqliteTable(
  'resource_status_history',
  {
    seq: integer('seq').primaryKey(),
    resourceId: text('resource_id').notNull(),
    agentId: text('agent_id').notNull(),
    observedVersion: integer('observed_version').notNull(),
    conditions: text('conditions', { mode: 'json' }).$type<Condition[]>().notNull(),
    feedback: text('feedback', { mode: 'json' }).$type<FeedbackValues>().notNull(),
    /** A bundle's per-manifest status; null for a single resource. */
    manifests: text('manifests', { mode: 'json' }).$type<ManifestStatus[]>(),
    deleted: integer('deleted', { mode: 'boolean' }).notNull(),
    reportedAt: text('reported_at').notNull(),
  },
  (t) => [index('resource_status_history_resource').on(t.resourceId, t.seq)],
)

/** The site's inventory entities as their events left them; deactivated ones stay, `active` false. */
export const inventoryEntities = sqliteTable(
  'inventory_entities',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<EntityKind>().notNull(),
    name: text('name').notNull(),
    teamId: text('team_id'),
    /** A server's hostname, to find duplicates within a team. */
    hostname: text('hostname'),
    /** A server's cloud instance id, which discovery matches first. */
    instanceId: text('instance_id'),
    definition: text('definition', { mode: 'json' }).$type<EntityDefinition>().notNull(),
    restricted: integer('restricted', { mode: 'boolean' }).notNull(),
    active: integer('active', { mode: 'boolean' }).notNull(),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: text('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
    /** Who last wrote each field: discovery writes only its own fields and empty ones. */
    fieldSources: text('field_sources', { mode: 'json' }).$type<FieldSources>().notNull().default({}),
    /** When a discovery source last saw it; null for what no source reports. */
    lastSeenAt: text('last_seen_at'),
    stale: integer('stale', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    index('inventory_entities_kind').on(t.kind, t.id),
    // Each lookup's index leads with the kind and ends with the id, so that SQLite's planner, which
    // has no statistics here, prefers it to (kind, id): that one answered the same queries by
    // walking every entity of the kind, per server created or reported.
    index('inventory_entities_hostname').on(t.kind, t.hostname, t.teamId),
    index('inventory_entities_name').on(t.kind, t.name, t.id),
    index('inventory_entities_instance_id').on(t.kind, t.instanceId, t.id),
  ],
)

/** A server's IPv4 addresses, private and public, to find duplicates within a team. */
export const inventoryAddresses = sqliteTable(
  'inventory_addresses',
  {
    entityId: text('entity_id').notNull(),
    address: text('address').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.entityId, t.address] }),
    index('inventory_addresses_address').on(t.address),
  ],
)

/** Relations whose source is one of this site's entities. */
export const inventoryRelations = sqliteTable(
  'inventory_relations',
  {
    id: text('id').primaryKey(),
    type: text('type').$type<RelationType>().notNull(),
    fromId: text('from_id').notNull(),
    fromKind: text('from_kind').$type<EntityKind>().notNull(),
    toId: text('to_id').notNull(),
    toKind: text('to_kind').$type<EntityKind>().notNull(),
    toSiteId: text('to_site_id').notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    uniqueIndex('inventory_relations_edge').on(t.fromId, t.type, t.toId),
    index('inventory_relations_to').on(t.toId),
  ],
)

/** Grants of a level on one entity to a user or a team. */
export const inventoryGrants = sqliteTable(
  'inventory_grants',
  {
    id: text('id').primaryKey(),
    entityId: text('entity_id').notNull(),
    subjectType: text('subject_type', { enum: ['user', 'team'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    level: text('level').$type<EntityLevel>().notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [uniqueIndex('inventory_grants_subject').on(t.entityId, t.subjectType, t.subjectId)],
)

/**
 * What each discovery source saw of the site's entities, by the key it matched them with; a
 * sighting no longer `present` is one the source's last look did not return.
 */
export const inventorySightings = sqliteTable(
  'inventory_sightings',
  {
    source: text('source').notNull(),
    key: text('key').notNull(),
    scope: text('scope').notNull(),
    entityId: text('entity_id').notNull(),
    present: integer('present', { mode: 'boolean' }).notNull(),
    lastSeenAt: text('last_seen_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.key] }),
    index('inventory_sightings_key').on(t.key),
    index('inventory_sightings_entity').on(t.entityId),
  ],
)

/** The site's discovery settings, one row once an admin set them; defaults until then. */
export const inventoryDiscoverySettings = sqliteTable('inventory_discovery_settings', {
  site: text('site').primaryKey(),
  staleAfterDays: integer('stale_after_days').notNull(),
  inactiveAfterDays: integer('inactive_after_days').notNull(),
})

/** Each kind's custom fields. */
export const inventoryCustomFields = sqliteTable(
  'inventory_custom_fields',
  {
    kind: text('kind').$type<EntityKind>().notNull(),
    name: text('name').notNull(),
    definition: text('definition', { mode: 'json' }).$type<CustomFieldDefinition>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.name] })],
)

/** The site's configured option lists. */
export const inventoryOptionLists = sqliteTable('inventory_option_lists', {
  list: text('list').$type<OptionListName>().primaryKey(),
  values: text('values', { mode: 'json' }).$type<string[]>().notNull(),
})
