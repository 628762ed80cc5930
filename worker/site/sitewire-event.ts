import { monotonicFactory } from 'ulid'
import type { CloudEvent, SitewireEventBody } from '../../schema/events'

const nextId = monotonicFactory()

/** Wraps one of Sitewire's own event bodies as the CloudEvent the site's log stores. */
export const toCloudEvent = (
  body: SitewireEventBody,
  at: { siteId: string; subject: string; actor: string; time: string },
): CloudEvent => ({
  specversion: '1.0',
  id: nextId(Date.parse(at.time)),
  source: `/sites/${at.siteId}`,
  type: body.type,
  subject: at.subject,
  time: at.time,
  datacontenttype: 'application/json',
  data: body.data,
  actor: at.actor,
})
