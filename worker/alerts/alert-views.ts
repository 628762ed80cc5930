import type { Alert } from '../../schema/api/alerts'
import type { AlertRow } from './alert-book'
import type { AlertSeries } from './alert-decider'

/** A row as the decider reads its series. */
export const toSeries = (row: AlertRow): AlertSeries => ({
  id: row.id,
  episode: row.episode,
  episodeKey: row.episodeKey,
  status: row.status,
  silencedBy: row.silencedBy,
  recentFirings: row.recentFirings,
  described: {
    fingerprint: row.fingerprint,
    fingerprint_formula: row.fingerprintFormula,
    episode: row.episodeKey,
    name: row.name,
    summary: row.summary,
    status: row.status,
    severity: row.severity,
    labels: row.labels,
    annotations: row.annotations,
    starts_at: row.startsAt,
    ends_at: row.endsAt,
    links: row.links,
    resolve_after_seconds: row.resolveAfterSeconds,
  },
})

/** An alert as callers read it. */
export const toAlert = (siteId: string, row: AlertRow): Alert => ({
  id: row.id,
  site_id: siteId,
  integration_id: row.integrationId,
  kind: row.kind,
  fingerprint: row.fingerprint,
  fingerprint_formula: row.fingerprintFormula,
  episode: row.episode,
  status: row.status,
  severity: row.severity,
  name: row.name,
  summary: row.summary,
  labels: row.labels,
  annotations: row.annotations,
  links: row.links,
  starts_at: row.startsAt,
  ends_at: row.endsAt,
  resolve_reason: row.resolveReason,
  first_seen_at: row.firstSeenAt,
  last_received_at: row.lastReceivedAt,
  receive_count: row.receiveCount,
  silenced_by: row.silencedBy,
  acknowledged:
    row.acknowledgedAt === null
      ? null
      : { at: row.acknowledgedAt, by: row.acknowledgedBy ?? 'unknown', note: row.acknowledgeNote ?? '' },
  flapping: row.flapping,
})
