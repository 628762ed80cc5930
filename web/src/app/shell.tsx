import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { isAdmin, me, signOut } from '../session/session'
import { cycleTheme, themeChoice } from '../theme/theme'
import { Link, route } from './router'

const NAV = [
  { href: '/', label: 'Overview', matches: (path: string) => path === '/' },
  {
    href: '/sites',
    label: 'Sites',
    matches: (path: string) => path.startsWith('/sites') && !path.includes('/inventory/'),
  },
  {
    href: '/inventory',
    label: 'Inventory',
    matches: (path: string) => path.startsWith('/inventory') || /^\/sites\/[^/]+\/inventory\//.test(path),
  },
  { href: '/runs', label: 'Runs', matches: (path: string) => path === '/runs' },
  {
    href: '/alerts',
    label: 'Alerts',
    matches: (path: string) => path === '/alerts' || path.startsWith('/integrations'),
  },
]

const THEME_LABEL = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' } as const

/** The frame around every screen: navigation, who is signed in, theme, sign out. */
export const Shell = ({ children }: { children: ComponentChildren }) => {
  const path = route.value.path
  const main = useRef<HTMLElement>(null)
  // Keyboard and screen-reader users land on the new screen, not on the link they followed.
  useEffect(() => {
    if (document.activeElement?.closest('nav')) main.current?.focus({ preventScroll: true })
  }, [path])
  const who = me.value
  const links = isAdmin.value
    ? [...NAV, { href: '/access/users', label: 'Access', matches: (p: string) => p.startsWith('/access') }]
    : NAV
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <aside class="sidebar">
        <Link class="brand" href="/">
          <img src="/favicon.svg" alt="" />
          Sitewire
        </Link>
        <nav aria-label="Console">
          {links.map((link) => (
            <Link key={link.href} href={link.href} aria-current={link.matches(path) ? 'page' : undefined}>
              {link.label}
            </Link>
          ))}
          <a href="/v1/docs">API reference</a>
        </nav>
      </aside>
      <div class="workspace">
        <header class="topbar">
          <Link class="who" href="/account" title={who?.user?.email}>
            {who?.user?.name ?? who?.user?.email ?? 'API key'}
            <span class="role">{who?.role ?? 'site roles'}</span>
          </Link>
          <button type="button" class="button button-ghost" onClick={cycleTheme}>
            {THEME_LABEL[themeChoice.value]}
          </button>
          <button type="button" class="button button-ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </header>
        <main id="main" ref={main} tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  )
}
