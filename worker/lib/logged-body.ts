import type { LoggedEvent, SitewireEventBody } from '../../schema/events'

/**
 * A logged event's type and data as the Sitewire event it is, for the folds that read the
 * site's own log: every event there was checked against its schema on its way in.
 */
export const loggedBody = (event: Pick<LoggedEvent, 'type' | 'data'>): SitewireEventBody =>
  ({ type: event.type, data: event.data }) as SitewireEventBody
