import { Hono } from 'hono'
import * as v from 'valibot'
import {
  Alert,
  AlertCounts,
  AlertCountsQuery,
  AlertHistory,
  AlertNoteBody,
  AlertPage,
  CreateSilenceBody,
  ListAlertsQuery,
  Silence,
  SilencePage,
} from '../../schema/api/alerts'
import { PageQuery, Ulid } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { optionalJson, requireJson, valid } from '../http/validation'
import { SiteParam } from './sites'

export const AlertParam = v.object({ siteId: Ulid, alertId: Ulid })
const SilenceParam = v.object({ siteId: Ulid, silenceId: Ulid })
const TAG = 'Alerts'

/** `/v1/sites/{siteId}/alerts` and `…/silences`: alerts as their senders reported them, and maintenance windows. */
export const alertRoutes = new Hono<AppEnv>()
  .get(
    '/:siteId/alerts',
    route({
      summary: "List a site's alerts",
      tag: TAG,
      description:
        'One item per series (integration and fingerprint), showing its current or last episode, newest first. ' +
        'Filters: `status`, `severity`, `integration_id`, `silenced`, `label=key=value,…`, and `q` over names and summaries.',
      ok: { status: 200, schema: AlertPage, description: 'Alerts' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListAlertsQuery),
    async (c) => send(c, await callerSite(c).alerts.list(c.req.valid('query'))),
  )
  .get(
    '/:siteId/alerts/counts',
    route({
      summary: 'Count alerts',
      tag: TAG,
      description:
        'By severity, in groups of equal values of the `group_by` labels (e.g. `alertname,service`), largest first.',
      ok: { status: 200, schema: AlertCounts, description: 'Groups with their counts' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', AlertCountsQuery),
    async (c) => send(c, await callerSite(c).alerts.counts(c.req.valid('query'))),
  )
  .get(
    '/:siteId/alerts/:alertId',
    route({
      summary: 'Get an alert',
      tag: TAG,
      ok: { status: 200, schema: Alert, description: 'The alert' },
    }),
    valid('param', AlertParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).alerts.get(c.req.valid('param').alertId)),
  )
  .get(
    '/:siteId/alerts/:alertId/history',
    route({
      summary: "An alert's history",
      tag: TAG,
      description:
        'Every event of its life, oldest first: fired, updated, resolved, acknowledged, silenced, unsilenced.',
      ok: { status: 200, schema: AlertHistory, description: 'Events' },
    }),
    valid('param', AlertParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).alerts.history(c.req.valid('param').alertId)),
  )
  .post(
    '/:siteId/alerts/:alertId/acknowledge',
    route({
      summary: 'Acknowledge an alert',
      tag: TAG,
      description: 'Someone is on it, until its next episode. `note` is optional.',
      ok: { status: 200, schema: Alert, description: 'The alert' },
      errors: { 409: 'The site is archived, or the alert is resolved (`alert_resolved`)' },
    }),
    valid('param', AlertParam),
    audited('alert.acknowledge', 'site'),
    authorize('operator', 'site'),
    optionalJson,
    valid('json', AlertNoteBody),
    async (c) =>
      send(
        c,
        await callerSite(c).alerts.acknowledge(
          c.req.valid('param').alertId,
          c.req.valid('json').note,
          writeOf(c),
        ),
      ),
  )
  .post(
    '/:siteId/alerts/:alertId/resolve',
    route({
      summary: 'Resolve an alert by hand',
      tag: TAG,
      description:
        'Ends its firing episode (reason `manual`); the sender firing it again starts a new episode.',
      ok: { status: 200, schema: Alert, description: 'The alert' },
      errors: { 409: 'The site is archived, or the alert is resolved (`alert_resolved`)' },
    }),
    valid('param', AlertParam),
    audited('alert.resolve', 'site'),
    authorize('operator', 'site'),
    async (c) => send(c, await callerSite(c).alerts.resolve(c.req.valid('param').alertId, writeOf(c))),
  )
  .post(
    '/:siteId/silences',
    route({
      summary: 'Create a silence',
      tag: TAG,
      description:
        'A maintenance window: alerts whose labels match every matcher (`=`, `!=`, `=~`, `!~`; regular expressions ' +
        'match whole values) are recorded and marked silenced, and rules do not act on them, from `starts_at` (now ' +
        'unless given) to `ends_at`; with `recurrence`, only in each window of `duration_seconds` from a fire time of ' +
        'its cron in its time zone. Alerts firing now enter it at once.',
      ok: { status: 201, schema: Silence, description: 'The silence' },
      errors: {
        409: 'The site is archived',
        415: 'Body is not JSON',
        422: '`ends_at` has passed (`ends_in_past`)',
      },
    }),
    valid('param', SiteParam),
    audited('silence.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateSilenceBody),
    async (c) => send(c, await callerSite(c).alerts.createSilence(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/:siteId/silences',
    route({
      summary: "List a site's silences",
      tag: TAG,
      ok: { status: 200, schema: SilencePage, description: 'Silences, newest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', PageQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerSite(c).alerts.silences(limit, cursor))
    },
  )
  .get(
    '/:siteId/silences/:silenceId',
    route({
      summary: 'Get a silence',
      tag: TAG,
      ok: { status: 200, schema: Silence, description: 'The silence' },
    }),
    valid('param', SilenceParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).alerts.silence(c.req.valid('param').silenceId)),
  )
  .delete(
    '/:siteId/silences/:silenceId',
    route({
      summary: 'End a silence early',
      tag: TAG,
      description: 'The alerts it held leave it, and rules see those still firing.',
      ok: { status: 200, schema: Silence, description: 'The silence' },
      errors: { 409: 'The site is archived, or the silence was deleted already (`silence_deleted`)' },
    }),
    valid('param', SilenceParam),
    audited('silence.delete', 'site'),
    authorize('operator', 'site'),
    async (c) =>
      send(c, await callerSite(c).alerts.deleteSilence(c.req.valid('param').silenceId, writeOf(c))),
  )
