import type { Role } from '../../api/types'

/** Fields of the access forms: a field's class says how it lines up (`field field-narrow`, `field field-inline`). */
interface FieldProps<T> {
  label: string
  class: string
  value: T
  onChange: (value: T) => void
}

/** A role to give: viewer, operator or admin. */
export const RoleField = (props: FieldProps<Role>) => (
  <label class={props.class}>
    <span>{props.label}</span>
    <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as Role)}>
      <option>viewer</option>
      <option>operator</option>
      <option>admin</option>
    </select>
  </label>
)

/** Where a role holds: every site (the empty id), or one of `sites`. */
export const SiteField = (
  props: FieldProps<string> & { sites: { id: string; name: string }[] | undefined },
) => (
  <label class={props.class}>
    <span>{props.label}</span>
    <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
      <option value="">every site</option>
      {props.sites?.map((s) => (
        <option key={s.id} value={s.id}>
          {s.name}
        </option>
      ))}
    </select>
  </label>
)

/** Where a key or a grant holds, as a column shows it: a site's name, or every site. */
export const whereText = (siteId: string | null, names: Map<string, string>) =>
  siteId ? (names.get(siteId) ?? siteId) : 'every site'
