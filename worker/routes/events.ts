import { Hono } from 'hono'
import { AppendResult, EventPage, ListEventsQuery, StreamEventsQuery } from '../../schema/api/events'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { valid } from '../http/validation'
import { siteOf } from '../objects'
import { readCloudEvents } from './event-ingest'
import { SiteParam } from './sites'

/** `/v1/sites/{siteId}/events`: page through the log, append CloudEvents, stream it live. */
export const eventRoutes = new Hono<AppEnv>()
  .get(
    '/:siteId/events',
    route({
      summary: "Page through a site's event log",
      tag: 'Events',
      description: 'Events after `after`, oldest first; pass `next_cursor` as the next `after`.',
      ok: { status: 200, schema: EventPage, description: 'A page of events' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListEventsQuery),
    async (c) =>
      send(
        c,
        await siteOf(c.env, c.req.valid('param').siteId).listEvents(c.var.caller, c.req.valid('query')),
      ),
  )
  .post(
    '/:siteId/events',
    route({
      summary: 'Append CloudEvents',
      tag: 'Events',
      description:
        'Accepts CloudEvents 1.0 in binary mode (ce-* headers), structured mode (application/cloudevents+json) ' +
        'or as a batch (application/cloudevents-batch+json, or a JSON array). An event whose source and id are ' +
        'already stored keeps its first seq and is reported as a duplicate. Types under io.sitewire. are reserved.',
      ok: { status: 201, schema: AppendResult, description: 'The seq of each event, in the order sent' },
      errors: {
        409: 'The site is archived',
        413: 'Body or event too large',
        415: 'Not a CloudEvents content type',
      },
    }),
    valid('param', SiteParam),
    audited('events.append', 'site'),
    authorize('operator', 'site'),
    async (c) => {
      const events = readCloudEvents(c.req.raw.headers, await c.req.text())
      const write = writeOf(c)
      return send(c, await siteOf(c.env, c.req.valid('param').siteId).appendEvents(events, write))
    },
  )
  .get(
    '/:siteId/events/stream',
    route({
      summary: 'Stream the log live (WebSocket)',
      tag: 'Events',
      description:
        'Upgrade to a WebSocket: the server sends each event after `after` (default: the head) as one JSON text ' +
        'frame, then every new event as it is appended, in order and without gaps. Send "ping" for "pong".',
      ok: { status: 101, description: 'Switching protocols' },
      errors: { 426: 'Not a WebSocket upgrade' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', StreamEventsQuery),
    async (c) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
        throw apiError(426, 'upgrade_required', 'connect with a WebSocket client')
      }
      const headers = new Headers(c.req.raw.headers)
      headers.set('x-sitewire-tenant', c.var.caller.tenantId)
      headers.set('x-sitewire-query', JSON.stringify(c.req.valid('query')))
      return siteOf(c.env, c.req.valid('param').siteId).fetch(new Request(c.req.url, { headers }))
    },
  )
