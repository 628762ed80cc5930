import type { Integration, Site } from '../../api/types'

type Routing = NonNullable<Integration['routing']>

/** A tenant-wide integration's routing as edited: the label, label values and their sites, the fallback. */
export interface RoutingDraft {
  label: string
  routes: { value: string; siteId: string }[]
  fallbackSiteId: string
}

export const emptyRouting: RoutingDraft = { label: 'site', routes: [], fallbackSiteId: '' }

/** A routing as the fields edit it. */
export const draftOf = (routing: Routing): RoutingDraft => ({
  label: routing.label,
  routes: Object.entries(routing.sites).map(([value, siteId]) => ({ value, siteId })),
  fallbackSiteId: routing.fallback_site_id ?? '',
})

export const routingOf = (draft: RoutingDraft): Routing => ({
  label: draft.label.trim() || 'site',
  sites: Object.fromEntries(
    draft.routes
      .filter((route) => route.value.trim() && route.siteId)
      .map((route) => [route.value.trim(), route.siteId]),
  ),
  fallback_site_id: draft.fallbackSiteId || null,
})

const nameOf = (sites: Site[], siteId: string) => sites.find((site) => site.id === siteId)?.name ?? siteId

/** How alerts find their site, in a line: `site label; par → Paris DC1; else Spare`. */
export const RoutingText = ({ routing, sites }: { routing: Routing; sites: Site[] }) => (
  <span>
    by label <code>{routing.label}</code>
    {Object.entries(routing.sites).map(([value, siteId]) => (
      <span key={value}>
        ; <code>{value}</code> → {nameOf(sites, siteId)}
      </span>
    ))}
    ; {routing.fallback_site_id ? `else ${nameOf(sites, routing.fallback_site_id)}` : 'else unrouted'}
  </span>
)

const SiteChoice = (props: {
  label: string
  sites: Site[]
  value: string
  none: string
  onChange: (siteId: string) => void
}) => (
  <label class="field">
    <span>{props.label}</span>
    <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
      <option value="">{props.none}</option>
      {props.sites.map((site) => (
        <option key={site.id} value={site.id}>
          {site.name}
        </option>
      ))}
    </select>
  </label>
)

/**
 * Where a tenant-wide integration's alerts go: the label that names the site, label values
 * that mean a site (otherwise a value is read as a site's id or name), and where the rest go.
 */
export const RoutingFields = (props: {
  draft: RoutingDraft
  sites: Site[]
  onChange: (draft: RoutingDraft) => void
}) => {
  const { draft, onChange } = props
  const setRoute = (index: number, route: RoutingDraft['routes'][number]) =>
    onChange({ ...draft, routes: draft.routes.map((r, i) => (i === index ? route : r)) })
  return (
    <fieldset class="matchers">
      <legend>Which site each alert goes to</legend>
      <div class="form-row">
        <label class="field">
          <span>Label naming the site</span>
          <input
            class="mono"
            placeholder="site"
            value={draft.label}
            onInput={(e) => onChange({ ...draft, label: e.currentTarget.value })}
          />
        </label>
        <SiteChoice
          label="Alerts naming no site go to"
          none="nowhere: left unrouted"
          sites={props.sites}
          value={draft.fallbackSiteId}
          onChange={(fallbackSiteId) => onChange({ ...draft, fallbackSiteId })}
        />
      </div>
      <p class="small muted">
        A label value is read as a site’s id or name unless a row below says which site it means.
      </p>
      {draft.routes.map((route, index) => (
        // Rows are controlled by the draft: an index key keeps no stale field state.
        <fieldset class="form-row row-group" key={index} aria-label={`Route ${index + 1}`}>
          <label class="field">
            <span>Label value</span>
            <input
              class="mono"
              placeholder="par"
              value={route.value}
              onInput={(e) => setRoute(index, { ...route, value: e.currentTarget.value })}
            />
          </label>
          <SiteChoice
            label="Site"
            none="choose a site"
            sites={props.sites}
            value={route.siteId}
            onChange={(siteId) => setRoute(index, { ...route, siteId })}
          />
          <button
            type="button"
            class="button button-small"
            onClick={() => onChange({ ...draft, routes: draft.routes.filter((_, i) => i !== index) })}
          >
            Remove
          </button>
        </fieldset>
      ))}
      <button
        type="button"
        class="button button-small"
        onClick={() => onChange({ ...draft, routes: [...draft.routes, { value: '', siteId: '' }] })}
      >
        Add label value
      </button>
    </fieldset>
  )
}
