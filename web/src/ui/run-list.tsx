import type { ComponentChildren } from 'preact'
import type { Item } from '../api/types'
import { Link } from '../app/router'
import { Status, Time } from './format'
import { type ListColumn, ListTable } from './list-table'

/** What every list of runs shows of a run: a site's own runs and the tenant's run history alike. */
type RunRow = Pick<
  Item<'/v1/runs'>,
  'id' | 'site_id' | 'task_name' | 'status' | 'trigger' | 'requested_at' | 'finished_at'
>
export type RunStatus = RunRow['status']

/** Every state a run can be in, in the order a run goes through them. */
export const RUN_STATUSES: readonly RunStatus[] = [
  'requested',
  'queued',
  'scheduled',
  'dispatched',
  'collecting',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
]

/** The "Status" filter of a run list: any state, or one. */
export const RunStatusFilter = (props: {
  value: string
  onChange: (status: RunStatus | '') => void
  /** A field on a toolbar line rather than in a form's row. */
  inline?: boolean
}) => (
  <label class={props.inline ? 'field field-inline' : 'field field-narrow'}>
    <span>Status</span>
    <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as RunStatus | '')}>
      <option value="">any</option>
      {RUN_STATUSES.map((s) => (
        <option key={s}>{s}</option>
      ))}
    </select>
  </label>
)

/** The columns run lists share; a list picks them, in its order, with its own. */
export const runColumns = {
  task: {
    header: 'Task',
    cell: (run) => <Link href={`/sites/${run.site_id}/runs/${run.id}`}>{run.task_name}</Link>,
  },
  status: { header: 'Status', cell: (run) => <Status value={run.status} /> },
  trigger: { header: 'Trigger', cell: (run) => run.trigger.kind },
  requested: { header: 'Requested', cell: (run) => <Time at={run.requested_at} /> },
  finished: { header: 'Finished', cell: (run) => <Time at={run.finished_at} empty="—" /> },
} satisfies Record<string, ListColumn<RunRow>>

/** A list of runs named "Runs", each linking to its run's page; `empty` says why there is none. */
export const RunTable = <R extends RunRow>(props: {
  runs: readonly R[] | undefined
  columns: readonly ListColumn<R>[]
  empty: ComponentChildren
}) => <ListTable label="Runs" loading="runs" items={props.runs} columns={props.columns} empty={props.empty} />
