import { signal } from '@preact/signals'
import type { AnchorHTMLAttributes, ComponentChildren } from 'preact'

/** The address bar as a signal: every screen has a URL, and back and forward work. */
export const route = signal({ path: location.pathname, search: location.search })

const sync = () => {
  route.value = { path: location.pathname, search: location.search }
}
addEventListener('popstate', sync)

export const navigate = (to: string, options: { replace?: boolean } = {}) => {
  if (options.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  sync()
}

/**
 * Changes query parameters of the current URL: in place while typing (history stays short),
 * or as a new entry when a form is applied (`push`), so back returns to the previous filters.
 */
export const setQuery = (changes: Record<string, string | undefined>, options: { push?: boolean } = {}) => {
  const params = new URLSearchParams(location.search)
  for (const [name, value] of Object.entries(changes)) {
    if (value) params.set(name, value)
    else params.delete(name)
  }
  const search = params.toString()
  navigate(`${location.pathname}${search ? `?${search}` : ''}`, { replace: !options.push })
}

export const queryParam = (name: string) => new URLSearchParams(route.value.search).get(name) ?? ''

/** The parameters of `pattern` (`/sites/:siteId`) in `path`, or null when it does not match. */
export const matchPath = (pattern: string, path: string): Record<string, string> | null => {
  const want = pattern.split('/').filter(Boolean)
  const have = path.split('/').filter(Boolean)
  if (want.length !== have.length) return null
  const params: Record<string, string> = {}
  for (const [i, part] of want.entries()) {
    const actual = have[i] ?? ''
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(actual)
    else if (part !== actual) return null
  }
  return params
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren }

/** An anchor that navigates inside the console; modified clicks still open new tabs. */
export const Link = ({ href, onClick, ...rest }: LinkProps) => (
  <a
    href={href}
    onClick={(event) => {
      onClick?.(event)
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
        return
      event.preventDefault()
      navigate(href)
    }}
    {...rest}
  />
)
