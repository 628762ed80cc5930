import type { Item } from '../../api/types'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'

type AuditEntry = Item<'/v1/audit'>

/** Audit entries: when, who, what, on which object, and how it ended. */
export const AuditTable = ({ entries }: { entries: AuditEntry[] }) => (
  <ListTable
    label="Audit entries"
    loading="the audit log"
    items={entries}
    columns={[
      { header: 'When', cell: (entry) => <Time at={entry.time} /> },
      {
        header: 'Who',
        cell: (entry) => (
          <>
            {entry.actor.type} <code class="muted">{entry.actor.id?.slice(-8) ?? ''}</code>
          </>
        ),
      },
      { header: 'Action', cell: (entry) => <code>{entry.action}</code> },
      {
        header: 'Object',
        cell: (entry) => (
          <>
            {entry.object.type} <code class="muted">{entry.object.id?.slice(-8) ?? ''}</code>
          </>
        ),
      },
      {
        header: 'Status',
        cell: (entry) => (
          <span class={entry.status >= 400 ? 'status status-failed' : 'status status-succeeded'}>
            {entry.status}
          </span>
        ),
      },
      { header: 'From', cell: (entry) => entry.address ?? '—', class: 'muted' },
    ]}
  />
)
