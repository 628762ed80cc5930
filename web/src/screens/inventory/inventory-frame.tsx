import type { ComponentChildren } from 'preact'
import { Link } from '../../app/router'
import { PageHeader } from '../../ui/page'

export type InventoryTab = 'entities' | 'pivot' | 'import' | 'saved' | 'connectors'

const TABS: { tab: InventoryTab; label: string; href: string }[] = [
  { tab: 'entities', label: 'Entities', href: '/inventory' },
  { tab: 'pivot', label: 'Pivot', href: '/inventory/pivot' },
  { tab: 'import', label: 'Import', href: '/inventory/import' },
  { tab: 'saved', label: 'Saved reports', href: '/inventory/saved' },
  { tab: 'connectors', label: 'Connectors', href: '/inventory/connectors' },
]

/** The Inventory section's header and tabs: tenant-wide reports, the pivot tree, CSV import, saved reports, cloud connectors. */
export const InventoryFrame = (props: {
  tab: InventoryTab
  title?: string
  actions?: ComponentChildren
  children: ComponentChildren
}) => (
  <>
    <PageHeader
      title={props.title ?? 'Inventory'}
      crumbs={props.title ? [{ label: 'Inventory', href: '/inventory' }] : undefined}
      actions={props.actions}
    />
    <nav class="tabs" aria-label="Inventory">
      {TABS.map((t) => (
        <Link key={t.tab} class="tab" href={t.href} aria-current={t.tab === props.tab ? 'page' : undefined}>
          {t.label}
        </Link>
      ))}
    </nav>
    {props.children}
  </>
)
