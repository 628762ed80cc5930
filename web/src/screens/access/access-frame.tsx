import type { ComponentChildren, FunctionComponent } from 'preact'
import { Link } from '../../app/router'
import { isAdmin } from '../../session/session'
import { EmptyState } from '../../ui/feedback'
import { PageHeader } from '../../ui/page'

export type AccessTab = 'users' | 'teams' | 'grants' | 'api-keys' | 'audit'

const TABS: { tab: AccessTab; label: string }[] = [
  { tab: 'users', label: 'Users' },
  { tab: 'teams', label: 'Teams' },
  { tab: 'grants', label: 'Grants' },
  { tab: 'api-keys', label: 'API keys' },
  { tab: 'audit', label: 'Audit log' },
]

/** Who may do what: the admin's screens, one tab each. */
export const AccessFrame = ({ tab, children }: { tab: AccessTab; children: ComponentChildren }) => (
  <>
    <PageHeader title={`Access · ${TABS.find((t) => t.tab === tab)?.label}`} />
    <nav class="tabs" aria-label="Access">
      {TABS.map((t) => (
        <Link
          key={t.tab}
          class="tab"
          href={`/access/${t.tab}`}
          aria-current={t.tab === tab ? 'page' : undefined}
        >
          {t.label}
        </Link>
      ))}
    </nav>
    {children}
  </>
)

/** An access screen for admins; anyone else is told so, and no request is made. */
export const adminOnly =
  (Screen: FunctionComponent): FunctionComponent =>
  () =>
    isAdmin.value ? (
      <Screen />
    ) : (
      <>
        <PageHeader title="Access" />
        <EmptyState title="Access is managed by admins">
          Ask an admin for the users, keys or roles you need.
        </EmptyState>
      </>
    )
