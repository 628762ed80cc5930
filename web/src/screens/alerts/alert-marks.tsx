import type { Alert } from '../../api/types'

/** An alert's severity as a coloured word. */
export const Severity = ({ value }: { value: string }) => (
  <span class={`status severity-${value}`}>{value}</span>
)

/** What else holds of an alert: silenced, acknowledged (by whom), flapping. */
export const AlertMarks = ({ alert }: { alert: Alert }) => (
  <span class="labels">
    {alert.silenced_by.length > 0 && (
      <span class="mark" title={`in silence ${alert.silenced_by.join(', ')}`}>
        silenced
      </span>
    )}
    {alert.acknowledged && (
      <span
        class="mark"
        title={`by ${alert.acknowledged.by}${alert.acknowledged.note ? `: ${alert.acknowledged.note}` : ''}`}
      >
        acknowledged
      </span>
    )}
    {alert.flapping && (
      <span class="mark mark-warn" title="it has fired often lately">
        flapping
      </span>
    )}
  </span>
)

export const SEVERITIES = ['critical', 'high', 'warning', 'info', 'low'] as const
