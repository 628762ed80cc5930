import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import type { AlertSeverity, AlertStatus, IntegrationKind } from '../alerts/received-alert'
import type { RunTrigger } from '../events/run'
import { DEFAULT_RETENTION_DAYS } from '../events/site'
import type { EntityLevel } from '../inventory/access'
import type { CustomFieldValues } from '../inventory/custom-fields'
import type { EntityKind } from '../inventory/kinds'
import type { RelationType } from '../inventory/relations'
import type {
  Condition,
  FeedbackValues,
  ManifestStatus,
  ResourceSpec,
  ResourceType,
} from '../resources/resource'
import type { RunStatus, StepOutcome } from '../tasks/run-request'

/**
 * libSQL read models, built from the site logs by the projector. Every row here can be
 * rebuilt by replaying the logs; nothing is written to these tables any other way.
 */

/** Each site as its log last said, for tenant-wide lists. */
export const sites = sqliteTable(
  'sites',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    timezone: text('timezone').notNull(),
    agentApproval: text('agent_approval', { enum: ['automatic', 'required'] }).notNull(),
    retentionDays: integer('retention_days').notNull().default(DEFAULT_RETENTION_DAYS),
    status: text('status', { enum: ['active', 'archived'] }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    archivedAt: text('archived_at'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [index('sites_tenant_name').on(t.tenantId, t.name, t.id)],
)

/** One row per logged event of every site: the tenant-wide event index. */
export const siteEvents = sqliteTable(
  'site_events',
  {
    siteId: text('site_id').notNull(),
    seq: integer('seq').notNull(),
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    source: text('source').notNull(),
    type: text('type').notNull(),
    subject: text('subject'),
    time: text('time').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.siteId, t.seq] }),
    index('site_events_tenant_type_time').on(t.tenantId, t.type, t.time),
    index('site_events_tenant_time').on(t.tenantId, t.time),
  ],
)

/** The inventory of hosts: every agent of every site, with its latest facts. */
export const agents = sqliteTable(
  'agents',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    hostname: text('hostname').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'revoked'] }).notNull(),
    presence: text('presence', { enum: ['online', 'offline'] }).notNull(),
    version: text('version'),
    osFamily: text('os_family'),
    osDistribution: text('os_distribution'),
    osVersion: text('os_version'),
    arch: text('arch'),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    facts: text('facts', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    enrolledAt: text('enrolled_at').notNull(),
    lastSeenAt: text('last_seen_at'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [
    index('agents_tenant_site').on(t.tenantId, t.siteId, t.id),
    index('agents_tenant_os').on(t.tenantId, t.osFamily),
  ],
)

/** Each site's tasks as their latest version named them, so that runs carry their task's name. */
export const tasks = sqliteTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    updatedAt: text('updated_at').notNull(),
    deletedAt: text('deleted_at'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [index('tasks_site').on(t.siteId)],
)

/**
 * Every run of every site: the history across the tenant. Times are UTC. `started_at` is the
 * first dispatch; `duration_ms` runs from it to the end, and stays null for a run that never
 * started. The agent counts other than `agents_targeted` are known once the run has finished.
 */
export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    taskId: text('task_id').notNull(),
    taskVersion: integer('task_version').notNull(),
    taskName: text('task_name').notNull(),
    status: text('status').$type<RunStatus>().notNull(),
    reason: text('reason'),
    triggerKind: text('trigger_kind').$type<RunTrigger['kind']>().notNull(),
    trigger: text('trigger', { mode: 'json' }).$type<RunTrigger>().notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedAt: text('requested_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    durationMs: integer('duration_ms'),
    agentsTargeted: integer('agents_targeted').notNull(),
    agentsSucceeded: integer('agents_succeeded'),
    agentsFailed: integer('agents_failed'),
    agentsNotStarted: integer('agents_not_started'),
    archiveKey: text('archive_key'),
    archiveBytes: integer('archive_bytes'),
    /** When the site's retention removed the archive from R2. */
    archiveDeletedAt: text('archive_deleted_at'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [
    index('runs_tenant').on(t.tenantId, t.id),
    index('runs_tenant_status').on(t.tenantId, t.status, t.id),
    index('runs_tenant_requested').on(t.tenantId, t.requestedAt),
    index('runs_site').on(t.siteId, t.id),
    index('runs_task').on(t.taskId, t.id),
  ],
)

/** Every attempt of every step on every agent, without its output (that stays in the logs and R2). */
export const runSteps = sqliteTable(
  'run_steps',
  {
    runId: text('run_id').notNull(),
    agentId: text('agent_id').notNull(),
    stepIndex: integer('step_index').notNull(),
    attempt: integer('attempt').notNull(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    taskId: text('task_id').notNull(),
    outcome: text('outcome').$type<StepOutcome>(),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    message: text('message'),
    dispatchedAt: text('dispatched_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    durationMs: integer('duration_ms'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.agentId, t.stepIndex, t.attempt] }),
    index('run_steps_tenant').on(t.tenantId, t.runId),
    index('run_steps_agent').on(t.agentId, t.runId),
    index('run_steps_site').on(t.siteId, t.runId),
    index('run_steps_task').on(t.taskId, t.runId),
  ],
)

/** How far each site's log has been projected; written in the same transaction as the rows. */
export const projectionCursors = sqliteTable('projection_cursors', {
  siteId: text('site_id').primaryKey(),
  seq: integer('seq').notNull(),
})

/**
 * The alerts of every site, one row per series with its current or last episode: what the
 * tenant-wide alert list filters and counts. The site's own `alerts` table holds the rest.
 */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    integrationId: text('integration_id').notNull(),
    kind: text('kind').$type<IntegrationKind>().notNull(),
    fingerprint: text('fingerprint').notNull(),
    episode: integer('episode').notNull(),
    status: text('status').$type<AlertStatus>().notNull(),
    severity: text('severity').$type<AlertSeverity>().notNull(),
    name: text('name').notNull(),
    summary: text('summary').notNull(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    startsAt: text('starts_at').notNull(),
    endsAt: text('ends_at'),
    /** How many silences hold the firing episode. */
    silences: integer('silences').notNull(),
    acknowledgedAt: text('acknowledged_at'),
    flapping: integer('flapping', { mode: 'boolean' }).notNull(),
    updatedAt: text('updated_at').notNull(),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [
    index('alerts_tenant').on(t.tenantId, t.id),
    index('alerts_tenant_status').on(t.tenantId, t.status, t.severity, t.id),
    index('alerts_site').on(t.siteId, t.id),
  ],
)

/** The consumers of every site: who receives resources. */
export const consumers = sqliteTable(
  'consumers',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    agentId: text('agent_id'),
    selector: text('selector', { mode: 'json' }).$type<Record<string, string>>(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    createdAt: text('created_at').notNull(),
    deletedAt: text('deleted_at'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [index('consumers_site').on(t.siteId, t.name)],
)

/** The resources and bundles of every site, latest version. */
export const resources = sqliteTable(
  'resources',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    consumerId: text('consumer_id').notNull(),
    type: text('type').$type<ResourceType>().notNull(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    spec: text('spec', { mode: 'json' }).$type<ResourceSpec>().notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    deleteRequestedAt: text('delete_requested_at'),
    deletedAt: text('deleted_at'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [
    index('resources_tenant').on(t.tenantId, t.id),
    index('resources_site').on(t.siteId, t.consumerId, t.id),
  ],
)

/** What each agent last reported of a resource: a report counts only after the one it follows. */
export const resourceStatus = sqliteTable(
  'resource_status',
  {
    resourceId: text('resource_id').notNull(),
    agentId: text('agent_id').notNull(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    report: integer('report').notNull(),
    observedVersion: integer('observed_version').notNull(),
    conditions: text('conditions', { mode: 'json' }).$type<Condition[]>().notNull(),
    feedback: text('feedback', { mode: 'json' }).$type<FeedbackValues>().notNull(),
    /** A bundle's per-manifest status; null for a single resource. */
    manifests: text('manifests', { mode: 'json' }).$type<ManifestStatus[]>(),
    deleted: integer('deleted', { mode: 'boolean' }).notNull(),
    reportedAt: text('reported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resourceId, t.agentId] }), index('resource_status_site').on(t.siteId)],
)

/** Every site's inventory entities, for tenant-wide lists and reports; deactivated ones stay, `active` false. */
export const inventoryEntities = sqliteTable(
  'inventory_entities',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    kind: text('kind').$type<EntityKind>().notNull(),
    name: text('name').notNull(),
    teamId: text('team_id'),
    attributes: text('attributes', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    customFields: text('custom_fields', { mode: 'json' }).$type<CustomFieldValues>().notNull(),
    restricted: integer('restricted', { mode: 'boolean' }).notNull(),
    active: integer('active', { mode: 'boolean' }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    lastSeq: integer('last_seq').notNull(),
    /** No discovery source has seen it for its site's stale period; cleared when one sees it again. */
    stale: integer('stale', { mode: 'boolean' }).notNull().default(false),
    /** A discovery source's latest sighting; null for an entity only people keep. */
    lastSeenAt: text('last_seen_at'),
    /** The seq of the latest sighting or staleness applied, so that a replayed older one changes nothing. */
    seenSeq: integer('seen_seq').notNull().default(0),
  },
  (t) => [
    index('inventory_entities_tenant_kind').on(t.tenantId, t.kind, t.id),
    // A report's default order, which its pages follow by range rather than by sorting.
    index('inventory_entities_tenant_kind_name').on(t.tenantId, t.kind, t.name, t.id),
    index('inventory_entities_site').on(t.siteId, t.id),
  ],
)

/** Every site's relations, each stored by the site of its source; removed ones stay, `removed` true. */
export const inventoryRelations = sqliteTable(
  'inventory_relations',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    type: text('type').$type<RelationType>().notNull(),
    fromId: text('from_id').notNull(),
    toId: text('to_id').notNull(),
    toSiteId: text('to_site_id').notNull(),
    removed: integer('removed', { mode: 'boolean' }).notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    index('inventory_relations_from').on(t.fromId, t.type),
    index('inventory_relations_to').on(t.toId, t.type),
    index('inventory_relations_site').on(t.siteId),
  ],
)

/** Grants on entities, so that tenant-wide reads show only what each caller may read; revoked ones stay, `revoked` true. */
export const inventoryGrants = sqliteTable(
  'inventory_grants',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    entityId: text('entity_id').notNull(),
    subjectType: text('subject_type', { enum: ['user', 'team'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    level: text('level').$type<EntityLevel>().notNull(),
    revoked: integer('revoked', { mode: 'boolean' }).notNull(),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [
    index('inventory_grants_subject').on(t.subjectId, t.entityId),
    index('inventory_grants_site').on(t.siteId),
  ],
)
