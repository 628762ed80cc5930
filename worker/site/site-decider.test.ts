import { describe, expect, it } from 'vitest'
import { ApiError } from '../http/errors'
import { decideSite, evolveSite, initialSiteState, type SiteCommand, type SiteState } from './site-decider'

const SITE = '01J0000000000000000000SITE'
const TENANT = '01J00000000000000000TENANT'
const T0 = '2026-01-01T00:00:00.000Z'
const T1 = '2026-01-02T00:00:00.000Z'

const given = (commands: SiteCommand[]): SiteState =>
  commands.reduce((state, command, i) => {
    for (const event of decideSite(state, command))
      state = evolveSite(state, { ...event, time: i === 0 ? T0 : T1 })
    return state
  }, initialSiteState)

const create: SiteCommand = {
  type: 'create',
  siteId: SITE,
  tenantId: TENANT,
  input: {
    name: 'Paris',
    description: '',
    labels: {},
    timezone: 'UTC',
    agent_approval: 'automatic',
    retention_days: 30,
  },
}

const refusal = (state: SiteState, command: SiteCommand) => {
  try {
    decideSite(state, command)
  } catch (error) {
    if (error instanceof ApiError) return [error.status, error.code]
  }
  return undefined
}

describe('site decider', () => {
  it('creates a site once; a repeat for the same tenant is a no-op, for another tenant a conflict', () => {
    expect(decideSite(initialSiteState, create)).toEqual([
      {
        type: 'io.sitewire.site.created',
        data: {
          site_id: SITE,
          tenant_id: TENANT,
          name: 'Paris',
          description: '',
          labels: {},
          timezone: 'UTC',
          agent_approval: 'automatic',
          retention_days: 30,
        },
      },
    ])
    const created = given([create])
    expect(created).toMatchObject({
      status: 'active',
      site: { id: SITE, created_at: T0, updated_at: T0, archived_at: null },
    })
    expect(decideSite(created, create)).toEqual([])
    expect(refusal(created, { ...create, tenantId: 'other' })).toEqual([409, 'site_exists'])
  })

  it('records only the fields that change', () => {
    const created = given([create])
    expect(
      decideSite(created, { type: 'update', input: { name: 'Paris', timezone: 'Europe/Paris' } }),
    ).toEqual([{ type: 'io.sitewire.site.updated', data: { timezone: 'Europe/Paris' } }])
    expect(decideSite(created, { type: 'update', input: { labels: {} } })).toEqual([])
  })

  it('archives and restores, each once, and refuses changes while archived', () => {
    const archived = given([create, { type: 'archive', reason: 'closed' }])
    expect(archived).toMatchObject({ status: 'archived', site: { archived_at: T1 } })
    expect(decideSite(archived, { type: 'archive' })).toEqual([])
    expect(refusal(archived, { type: 'update', input: { name: 'x' } })).toEqual([409, 'site_archived'])
    const restored = given([create, { type: 'archive' }, { type: 'restore' }])
    expect(restored).toMatchObject({ status: 'active', site: { archived_at: null, updated_at: T1 } })
    expect(decideSite(restored, { type: 'restore' })).toEqual([])
  })

  it('refuses commands on a site that does not exist', () => {
    for (const command of [
      { type: 'update', input: { name: 'x' } },
      { type: 'archive' },
      { type: 'restore' },
    ] as SiteCommand[]) {
      expect(refusal(initialSiteState, command)).toEqual([404, 'not_found'])
    }
  })
})
