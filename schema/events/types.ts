/**
 * Every event type Sitewire itself writes. The `io.sitewire.` namespace is reserved:
 * external producers may not append events in it.
 */
export const RESERVED_TYPE_PREFIX = 'io.sitewire.'

export const EventType = {
  siteCreated: 'io.sitewire.site.created',
  siteUpdated: 'io.sitewire.site.updated',
  siteArchived: 'io.sitewire.site.archived',
  siteRestored: 'io.sitewire.site.restored',
} as const
export type EventType = (typeof EventType)[keyof typeof EventType]
