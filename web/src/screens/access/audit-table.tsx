import type { Item } from '../../api/types'
import { Time } from '../../ui/format'

type AuditEntry = Item<'/v1/audit'>

/** Audit entries: when, who, what, on which object, and how it ended. */
export const AuditTable = ({ entries }: { entries: AuditEntry[] }) => (
  <table class="table">
    <thead>
      <tr>
        <th>When</th>
        <th>Who</th>
        <th>Action</th>
        <th>Object</th>
        <th>Status</th>
        <th>From</th>
      </tr>
    </thead>
    <tbody>
      {entries.map((entry) => (
        <tr key={entry.id}>
          <td>
            <Time at={entry.time} />
          </td>
          <td>
            {entry.actor.type} <code class="muted">{entry.actor.id?.slice(-8) ?? ''}</code>
          </td>
          <td>
            <code>{entry.action}</code>
          </td>
          <td>
            {entry.object.type} <code class="muted">{entry.object.id?.slice(-8) ?? ''}</code>
          </td>
          <td>
            <span class={entry.status >= 400 ? 'status status-failed' : 'status status-succeeded'}>
              {entry.status}
            </span>
          </td>
          <td class="muted">{entry.address ?? '—'}</td>
        </tr>
      ))}
    </tbody>
  </table>
)
