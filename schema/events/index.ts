import * as v from 'valibot'
import { SiteArchived, SiteCreated, SiteRestored, SiteUpdated } from './site'
import { EventType } from './types'

export * from './cloudevent'
export * from './site'
export * from './types'

const sitewireEvent = <T extends string, D extends v.GenericSchema>(type: T, data: D) =>
  v.object({ type: v.literal(type), data })

/** Every `io.sitewire.*` event: its type and the schema of its `data`. */
export const SitewireEventBody = v.variant('type', [
  sitewireEvent(EventType.siteCreated, SiteCreated),
  sitewireEvent(EventType.siteUpdated, SiteUpdated),
  sitewireEvent(EventType.siteArchived, SiteArchived),
  sitewireEvent(EventType.siteRestored, SiteRestored),
])
export type SitewireEventBody = v.InferOutput<typeof SitewireEventBody>
