import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { IntegrationRouting, RoutedDelivery } from '../alerts/routing'
import type { Role, Scope } from '../api/access'
import type { RoutedOutcome } from '../api/alerts'
import type { SavedReportFormat, SavedReportQuery, SavedReportTrigger } from '../api/saved-reports'
import type { RecordedRequest } from '../events/alert'

/**
 * One tenant's Durable Object SQLite: who may do what in the tenant (users, teams, grants,
 * API keys, sessions), its audit trail and its sites. Authentication reads only this, so
 * the API does not depend on libSQL, and tenants don't share a bottleneck.
 */

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' })

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  /** PBKDF2-SHA256 as `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`. */
  passwordHash: text('password_hash').notNull(),
  createdAt: timestamp('created_at').notNull(),
  passwordChangedAt: timestamp('password_changed_at').notNull(),
  disabledAt: timestamp('disabled_at'),
  /** Set when an admin reset the password: the next sign-in must choose a new one. */
  passwordResetAt: timestamp('password_reset_at'),
})

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    /** SHA-256 of the cookie's secret. */
    hash: text('hash').notNull().unique(),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    lastSeenAt: timestamp('last_seen_at').notNull(),
    revokedAt: timestamp('revoked_at'),
    address: text('address'),
  },
  (t) => [index('sessions_user').on(t.userId)],
)

export const teams = sqliteTable('teams', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: timestamp('created_at').notNull(),
})

export const teamMembers = sqliteTable(
  'team_members',
  {
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user').on(t.userId)],
)

/** A role given to a user or a team, on the whole tenant (`site_id` null) or on one site. */
export const grants = sqliteTable(
  'grants',
  {
    id: text('id').primaryKey(),
    subjectType: text('subject_type', { enum: ['user', 'team'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    role: text('role').$type<Role>().notNull(),
    siteId: text('site_id'),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [uniqueIndex('grants_subject_site').on(t.subjectType, t.subjectId, t.siteId)],
)

export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  hash: text('hash').notNull().unique(),
  prefix: text('prefix').notNull(),
  role: text('role').$type<Role>().notNull(),
  siteId: text('site_id'),
  scopes: text('scopes', { mode: 'json' }).$type<Scope[]>().notNull(),
  ownerType: text('owner_type', { enum: ['user', 'key'] }),
  ownerId: text('owner_id'),
  createdAt: timestamp('created_at').notNull(),
  lastUsedAt: timestamp('last_used_at'),
  expiresAt: timestamp('expires_at'),
  revokedAt: timestamp('revoked_at'),
})

/** The audit trail: append-only; no route changes or deletes a row. */
export const audit = sqliteTable(
  'audit',
  {
    id: text('id').primaryKey(),
    time: timestamp('time').notNull(),
    actorType: text('actor_type', { enum: ['key', 'user', 'anonymous'] }).notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id'),
    siteId: text('site_id'),
    address: text('address'),
    status: integer('status').notNull(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_actor').on(t.actorId, t.id),
    index('audit_object').on(t.objectId, t.id),
    index('audit_site').on(t.siteId, t.id),
  ],
)

/** Every site the tenant created, so the logs can be replayed without reading libSQL. */
export const siteRegistry = sqliteTable('site_registry', {
  id: text('id').primaryKey(),
  createdAt: timestamp('created_at').notNull(),
  /** The Idempotency-Key of the request that created it, so a retry finds the same site. */
  createdByKey: text('created_by_key').unique(),
})

export { idempotency } from './site-store'

/**
 * The tenant's Slack app, when chat-ops is on: at most one row. The signing secret is kept as
 * given because verifying Slack's HMAC needs it; no answer ever returns it.
 */
export const slackApps = sqliteTable('slack_apps', {
  teamId: text('team_id').primaryKey(),
  signingSecret: text('signing_secret').notNull(),
  defaultSiteId: text('default_site_id').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
  updatedBy: text('updated_by').notNull(),
})

/** One-time codes a user redeems in Slack with `/sitewire link <code>`; only their SHA-256 is kept. */
export const slackLinkCodes = sqliteTable(
  'slack_link_codes',
  {
    hash: text('hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    expiresAt: timestamp('expires_at').notNull(),
  },
  (t) => [index('slack_link_codes_user').on(t.userId)],
)

/** A Slack user of a workspace acting as a Sitewire user, with exactly that user's roles. */
export const slackLinks = sqliteTable(
  'slack_links',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id').notNull(),
    slackUserId: text('slack_user_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('slack_links_slack_user').on(t.teamId, t.slackUserId),
    index('slack_links_user').on(t.userId),
  ],
)

/** Runs requested from Slack whose outcome is still to be posted to the command's `response_url`. */
export const slackRunWatches = sqliteTable('slack_run_watches', {
  runId: text('run_id').primaryKey(),
  siteId: text('site_id').notNull(),
  userId: text('user_id').notNull(),
  responseUrl: text('response_url').notNull(),
  /** Where the run's page is, for the message: the platform's origin and the console's path. */
  runUrl: text('run_url').notNull(),
  deadlineAt: timestamp('deadline_at').notNull(),
})

/**
 * Tenant-wide alert integrations: the same rows, secrets, refusal counts and sender delivery
 * ids a site keeps for its own, so one book reads both.
 */
export { hookDeliveries, hookRefusals, integrationSecrets, integrations } from './site-store'

/** How each tenant-wide integration finds its alerts' sites. */
export const integrationRouting = sqliteTable('integration_routing', {
  integrationId: text('integration_id').primaryKey(),
  routing: text('routing', { mode: 'json' }).$type<IntegrationRouting>().notNull(),
})

/**
 * Deliveries to tenant-wide integrations, as they came (credentials masked), with what each
 * alert led to: kept here because the body may hold several sites' alerts.
 */
export const routedDeliveries = sqliteTable(
  'routed_deliveries',
  {
    id: text('id').primaryKey(),
    integrationId: text('integration_id').notNull(),
    receivedAt: timestamp('received_at').notNull(),
    request: text('request', { mode: 'json' }).$type<RecordedRequest>().notNull(),
    senderDeliveryId: text('sender_delivery_id'),
    alerts: text('alerts', { mode: 'json' }).$type<RoutedOutcome[]>().notNull(),
  },
  (t) => [index('routed_deliveries_integration').on(t.integrationId, t.id)],
)

/**
 * A delivery's alerts for one site, until that site has stored them: handed over at once,
 * and again from the alarm while the site cannot be reached.
 */
export const routedDeliverySites = sqliteTable(
  'routed_delivery_sites',
  {
    deliveryId: text('delivery_id').notNull(),
    siteId: text('site_id').notNull(),
    delivery: text('delivery', { mode: 'json' }).$type<RoutedDelivery>().notNull(),
    state: text('state').$type<'pending' | 'stored' | 'refused'>().notNull(),
    attempts: integer('attempts').notNull(),
    nextAt: timestamp('next_at'),
    error: text('error'),
  },
  (t) => [
    primaryKey({ columns: [t.deliveryId, t.siteId] }),
    index('routed_delivery_sites_next').on(t.nextAt),
  ],
)

/**
 * Inventory reports saved by a user or an API key (the owner, whose access every run reads
 * with), shared with teams, and run on demand or on a cron schedule.
 */
export const savedReports = sqliteTable(
  'saved_reports',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description'),
    report: text('report', { mode: 'json' }).$type<SavedReportQuery>().notNull(),
    format: text('format').$type<SavedReportFormat>().notNull(),
    cron: text('cron'),
    timezone: text('timezone'),
    /** The next scheduled run; null without a schedule. */
    nextRunAt: timestamp('next_run_at'),
    retention: integer('retention').notNull(),
    sharedTeamIds: text('shared_team_ids', { mode: 'json' }).$type<string[]>().notNull(),
    ownerType: text('owner_type').$type<'user' | 'key'>().notNull(),
    ownerId: text('owner_id').notNull(),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [index('saved_reports_next_run').on(t.nextRunAt)],
)

/** Each run of a saved report; a succeeded one's file is in R2 under `objectKey`. */
export const savedReportResults = sqliteTable(
  'saved_report_results',
  {
    id: text('id').primaryKey(),
    reportId: text('report_id').notNull(),
    startedAt: timestamp('started_at').notNull(),
    finishedAt: timestamp('finished_at').notNull(),
    trigger: text('trigger').$type<SavedReportTrigger>().notNull(),
    status: text('status').$type<'succeeded' | 'failed'>().notNull(),
    rows: integer('rows'),
    bytes: integer('bytes'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    objectKey: text('object_key'),
    contentType: text('content_type'),
  },
  (t) => [index('saved_report_results_report').on(t.reportId, t.id)],
)
