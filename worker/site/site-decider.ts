import type { CreateSiteBody, Site, UpdateSiteBody } from '../../schema/api/sites'
import { DEFAULT_RETENTION_DAYS, EventType, type SitewireEventBody } from '../../schema/events'
import { apiError } from '../http/errors'

/** A site as its log describes it. */
export type SiteState = { status: 'absent' } | { status: 'active' | 'archived'; site: Site }

export const initialSiteState: SiteState = { status: 'absent' }

export type SiteCommand =
  | { type: 'create'; siteId: string; tenantId: string; input: CreateSiteBody }
  | { type: 'update'; input: UpdateSiteBody }
  | { type: 'archive'; reason?: string }
  | { type: 'restore' }

type SiteEvent = Extract<SitewireEventBody, { type: `io.sitewire.site.${string}` }>

/** Folds one site event (with its log time) into the state. */
export const evolveSite = (state: SiteState, event: SiteEvent & { time: string }): SiteState => {
  switch (event.type) {
    case EventType.siteCreated: {
      const { site_id, tenant_id, ...fields } = event.data
      const site: Site = {
        id: site_id,
        tenant_id,
        ...fields,
        // Logs written before the setting existed hold no value; the object folds them unparsed.
        retention_days: fields.retention_days ?? DEFAULT_RETENTION_DAYS,
        status: 'active',
        created_at: event.time,
        updated_at: event.time,
        archived_at: null,
      }
      return { status: 'active', site }
    }
    case EventType.siteUpdated:
      return state.status === 'absent'
        ? state
        : { ...state, site: { ...state.site, ...event.data, updated_at: event.time } }
    case EventType.siteArchived:
      return state.status === 'absent'
        ? state
        : {
            status: 'archived',
            site: { ...state.site, status: 'archived', archived_at: event.time, updated_at: event.time },
          }
    case EventType.siteRestored:
      return state.status === 'absent'
        ? state
        : {
            status: 'active',
            site: { ...state.site, status: 'active', archived_at: null, updated_at: event.time },
          }
  }
}

/** Decides which events a command on a site produces, or refuses it. */
export const decideSite = (state: SiteState, command: SiteCommand): SiteEvent[] => {
  switch (command.type) {
    case 'create':
      if (state.status !== 'absent') {
        if (state.site.tenant_id === command.tenantId) return []
        throw apiError(409, 'site_exists', 'site already exists')
      }
      return [
        {
          type: EventType.siteCreated,
          data: { site_id: command.siteId, tenant_id: command.tenantId, ...command.input },
        },
      ]
    case 'update': {
      const site = requireActive(state)
      const changed = Object.fromEntries(
        Object.entries(command.input).filter(
          ([key, value]) => JSON.stringify(site[key as keyof typeof site]) !== JSON.stringify(value),
        ),
      )
      return Object.keys(changed).length === 0 ? [] : [{ type: EventType.siteUpdated, data: changed }]
    }
    case 'archive':
      if (state.status === 'absent') throw apiError(404, 'not_found', 'site not found')
      if (state.status === 'archived') return []
      return [
        {
          type: EventType.siteArchived,
          data: command.reason === undefined ? {} : { reason: command.reason },
        },
      ]
    case 'restore':
      if (state.status === 'absent') throw apiError(404, 'not_found', 'site not found')
      if (state.status === 'active') return []
      return [{ type: EventType.siteRestored, data: {} }]
    default: {
      const unhandled: never = command
      throw new Error(`unhandled site command ${JSON.stringify(unhandled)}`)
    }
  }
}

/** The site, when it exists and takes writes; archived sites are read-only. */
export const requireActive = (state: SiteState): Site => {
  if (state.status === 'absent') throw apiError(404, 'not_found', 'site not found')
  if (state.status === 'archived')
    throw apiError(409, 'site_archived', 'site is archived; restore it to change it')
  return state.site
}
