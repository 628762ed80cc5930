const ENVIRONMENTS = ['prod', 'dev', 'staging', 'test']

type LoadedKind = 'client' | 'system' | 'application' | 'server'

/**
 * What the bench loads into each site: 1% clients, 4% systems, 25% applications and the rest
 * servers; each system owned by a client, each application member of a system and running on
 * enough distinct servers that the site holds three relations per entity. Relations stay
 * inside a site, as the batch path takes them.
 */
export const inventoryPlan = (entities: number, sites: number) => {
  const perSite = Math.floor(entities / sites)
  const count: Record<LoadedKind, number> = {
    client: Math.max(1, Math.round(perSite * 0.01)),
    system: Math.max(1, Math.round(perSite * 0.04)),
    application: Math.max(1, Math.round(perSite * 0.25)),
    server: 0,
  }
  count.server = perSite - count.client - count.system - count.application
  const runsOn = 3 * perSite - count.system - count.application
  const perApplication = Math.floor(runsOn / count.application)
  const extra = runsOn % count.application
  if (perApplication + 1 > count.server) throw new Error('too few servers for the relations asked')
  const clientName = (site: number, n: number) => `client-${site}-${n}`
  const name = (kind: LoadedKind, site: number, n: number) =>
    kind === 'client' ? clientName(site, n) : `${kind === 'application' ? 'app' : kind}-${site}-${n}`
  return {
    entities: perSite * sites,
    relations: 3 * perSite * sites,
    clientName,
    header: (kind: LoadedKind) =>
      kind === 'server'
        ? 'name,attributes.hostname,attributes.environment,tags'
        : kind === 'application'
          ? 'name,attributes.language,attributes.environment'
          : 'name',
    /** The CSV lines of a kind in a site. */
    rows: (kind: LoadedKind, site: number) =>
      Array.from({ length: count[kind] }, (_, n) => {
        const environment = ENVIRONMENTS[n % ENVIRONMENTS.length]
        if (kind === 'server') return `${name(kind, site, n)},${name(kind, site, n)},${environment},bench`
        if (kind === 'application') return `${name(kind, site, n)},go,${environment}`
        return name(kind, site, n)
      }),
    /** The site's relations, given the ids its imports answered, per kind in line order. */
    relationsOf: (ids: Record<string, string[]>) => {
      const id = (kind: LoadedKind, n: number) => ids[kind]?.[n % count[kind]] as string
      const relations: { type: string; from_id: string; to_id: string }[] = []
      for (let s = 0; s < count.system; s++)
        relations.push({ type: 'owned_by', from_id: id('system', s), to_id: id('client', s) })
      for (let a = 0; a < count.application; a++) {
        relations.push({ type: 'member_of', from_id: id('application', a), to_id: id('system', a) })
        const servers = perApplication + (a < extra ? 1 : 0)
        for (let k = 0; k < servers; k++)
          relations.push({
            type: 'runs_on',
            from_id: id('application', a),
            to_id: id('server', a * perApplication + k),
          })
      }
      return relations
    },
  }
}
