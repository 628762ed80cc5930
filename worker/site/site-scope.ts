import type { Site } from '../../schema/api/sites'
import type { CloudEvent, SitewireEventBody } from '../../schema/events'
import { apiError } from '../http/errors'
import { toCloudEvent } from './sitewire-event'

/**
 * What every part of the Site object asks of its site: that it exists (else 404), that it
 * takes changes (else 409), and its own events wrapped as the CloudEvents its log stores.
 */
export class SiteScope {
  constructor(private readonly find: () => Site | undefined) {}

  present(): Site {
    const site = this.find()
    if (!site) throw apiError(404, 'not_found', 'site not found')
    return site
  }

  /** The site, when the request comes from its tenant (the Worker names it); else 404. */
  ofTenant(tenantId: string | null): Site {
    const site = this.present()
    if (site.tenant_id !== tenantId) throw apiError(404, 'not_found', 'site not found')
    return site
  }

  active(): Site {
    const site = this.present()
    if (site.status === 'archived')
      throw apiError(409, 'site_archived', 'site is archived; restore it to change it')
    return site
  }

  events(bodies: SitewireEventBody[], subject: string, actor: string, time: string): CloudEvent[] {
    const siteId = this.present().id
    return bodies.map((body) => toCloudEvent(body, { siteId, subject, actor, time }))
  }
}
