import { Hono } from 'hono'
import {
  AppendResult,
  EventPage,
  EventParam,
  GetEventQuery,
  ListEventsQuery,
  StreamEventsQuery,
} from '../../schema/api/events'
import { LoggedEvent } from '../../schema/events'
import { authorize } from '../auth/authenticate'
import { readCloudEvents } from '../cloudevents/read-request'
import { audited, auditedByObject } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { valid } from '../http/validation'
import { siteFor, siteOf } from '../objects'
import { APPEND_AUDIT_ACTION } from '../site/audit-outbox'
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
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).site.events(c.req.valid('query')),
      ),
  )
  .post(
    '/:siteId/events',
    route({
      summary: 'Append CloudEvents',
      tag: 'Events',
      description:
        'Accepts CloudEvents 1.0 in binary mode (ce-* headers), structured mode (application/cloudevents+json) ' +
        'or as a batch (application/cloudevents-batch+json, or a JSON array; an empty batch stores nothing). In ' +
        'binary mode ce-* headers are percent-decoded and the body is the data: JSON under a JSON content type, ' +
        'text under text/* in UTF-8, and bytes otherwise, stored byte for byte and read back as data_base64. ' +
        'Every event is checked against CloudEvents 1.0.2; a bad one refuses the request and names the attribute. ' +
        'An event whose source and id are already stored keeps its first seq and is reported as a duplicate. ' +
        'Types under io.sitewire. are reserved.',
      ok: { status: 201, schema: AppendResult, description: 'The seq of each event, in the order sent' },
      errors: {
        409: 'The site is archived',
        413: 'Body or event too large (the limit is named)',
        415: 'Not a CloudEvents content type',
      },
    }),
    valid('param', SiteParam),
    audited(APPEND_AUDIT_ACTION, 'site'),
    authorize('operator', 'site'),
    async (c) => {
      const events = readCloudEvents(c.req.raw.headers, new Uint8Array(await c.req.arrayBuffer()))
      const reply = await siteOf(c.env, c.req.valid('param').siteId).appendEvents(events, writeOf(c))
      // The site stored the entry with the events; a refusal is audited here.
      if (!reply.refused) auditedByObject(c)
      return send(c, reply)
    },
  )
  .get(
    '/:siteId/events/:seq{[0-9]+}',
    route({
      summary: 'Read one event',
      tag: 'Events',
      description:
        'The event at `seq` as application/cloudevents+json (binary data as data_base64), or with `mode=binary` ' +
        "in the HTTP binding's binary mode: percent-encoded ce-* headers, Content-Type its datacontenttype, and " +
        'the data as the body, byte for byte.',
      ok: { status: 200, schema: LoggedEvent, description: 'The event' },
    }),
    valid('param', EventParam),
    authorize('viewer', 'site'),
    valid('query', GetEventQuery),
    async (c) => {
      const { siteId, seq } = c.req.valid('param')
      const reply = await siteFor(c.env, siteId, c.var.caller).site.event(seq, c.req.valid('query').mode)
      if (reply.refused) return send(c, reply)
      return new Response(reply.body.body, { headers: reply.body.headers })
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
