import type { Site } from '../../api/types'
import { ENTITY_KINDS, type EntityKind } from './report-query'

/** Which site, and which kind of entity: what creating one and importing many both ask first. */
export const SiteKindFields = (props: {
  sites: Site[]
  siteId: string
  onSite: (siteId: string) => void
  kind: EntityKind
  onKind: (kind: EntityKind) => void
}) => (
  <>
    <label class="field">
      <span>Site</span>
      <select value={props.siteId} onChange={(e) => props.onSite(e.currentTarget.value)}>
        {props.sites.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
    <label class="field">
      <span>Kind</span>
      <select value={props.kind} onChange={(e) => props.onKind(e.currentTarget.value as EntityKind)}>
        {ENTITY_KINDS.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </label>
  </>
)
