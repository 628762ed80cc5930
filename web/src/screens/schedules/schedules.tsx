import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Item, Site } from '../../api/types'
import { queryParam, setQuery } from '../../app/router'
import { can } from '../../session/session'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { ScheduleForm } from './schedule-form'

type Schedule = Item<'/v1/sites/{siteId}/schedules'>

/** `/sites/:siteId/schedules`: tasks on cron or at a time, with their next five fire times. */
export const SchedulesScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="schedules">
    {(site) => <Schedules site={site} />}
  </SiteFrame>
)

const Schedules = ({ site }: { site: Site }) => {
  const path = { siteId: site.id }
  const schedules = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/schedules', { params: { path, query: { limit: 1000 } } })),
    [site.id],
  )
  const [creating, setCreating] = useState(false)
  const selectedId = queryParam('schedule')
  const writable = can('operator', site.id) && site.status === 'active'
  const selected = schedules.data?.items.find((s) => s.id === selectedId)
  return (
    <section aria-label="Schedules">
      {writable && !creating && (
        <div class="toolbar">
          <button type="button" class="button button-primary toolbar-end" onClick={() => setCreating(true)}>
            New schedule
          </button>
        </div>
      )}
      {creating && (
        <ScheduleForm
          site={site}
          onDone={(created) => {
            setCreating(false)
            schedules.reload()
            if (created) setQuery({ schedule: created.id })
          }}
        />
      )}
      <ErrorNotice error={schedules.error} />
      <ListTable
        label="Schedules"
        loading="schedules"
        items={schedules.data?.items}
        empty={
          <EmptyState title="No schedules">
            {writable
              ? 'Schedule a task on a cron expression, or once at a set time.'
              : 'An operator schedules tasks.'}
          </EmptyState>
        }
        rowClass={(s) => (s.id === selectedId ? 'selected' : undefined)}
        columns={[
          {
            header: 'Name',
            cell: (s) => (
              <button type="button" class="link-button" onClick={() => setQuery({ schedule: s.id })}>
                {s.name}
              </button>
            ),
          },
          {
            header: 'When',
            cell: (s) => (
              <>
                <code>{s.cron ?? s.at}</code> <span class="muted small">{s.timezone}</span>
              </>
            ),
          },
          { header: 'Status', cell: (s) => <Status value={s.status} /> },
          { header: 'Next fire', cell: (s) => <Time at={s.next_fire_times[0]} /> },
          {
            header: 'Last fired',
            cell: (s) => (
              <>
                <Time at={s.last_fired_at} empty="never" />
                {s.last_error && <div class="small danger-text">{s.last_error}</div>}
              </>
            ),
          },
        ]}
      />
      {selected && (
        <ScheduleDetails site={site} schedule={selected} writable={writable} onChanged={schedules.reload} />
      )}
    </section>
  )
}

/** One schedule: its next five fire times (as the platform computes them), its cron, pause and resume. */
const ScheduleDetails = (props: {
  site: Site
  schedule: Schedule
  writable: boolean
  onChanged: () => void
}) => {
  const { schedule } = props
  const [cron, setCron] = useState(schedule.cron ?? '')
  const action = useAction()
  const path = { siteId: props.site.id, scheduleId: schedule.id }
  const act = (call: () => Promise<unknown>) =>
    action.run(async () => {
      await call()
      props.onChanged()
    })
  return (
    <section class="card" aria-label={`Schedule ${schedule.name}`}>
      <div class="page-title-row">
        <h2>{schedule.name}</h2>
        {props.writable && (
          <div class="page-actions">
            {schedule.status === 'active' && (
              <button
                type="button"
                class="button"
                onClick={() =>
                  void act(() =>
                    ok(api.POST('/v1/sites/{siteId}/schedules/{scheduleId}/pause', { params: { path } })),
                  )
                }
              >
                Pause
              </button>
            )}
            {schedule.status === 'paused' && (
              <button
                type="button"
                class="button"
                onClick={() =>
                  void act(() =>
                    ok(api.POST('/v1/sites/{siteId}/schedules/{scheduleId}/resume', { params: { path } })),
                  )
                }
              >
                Resume
              </button>
            )}
            <button
              type="button"
              class="button button-danger"
              onClick={() => {
                if (confirm(`Delete the schedule “${schedule.name}”?`))
                  void act(async () => {
                    await ok(api.DELETE('/v1/sites/{siteId}/schedules/{scheduleId}', { params: { path } }))
                    setQuery({ schedule: undefined })
                  })
              }}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      <h3 class="small muted">Next five fire times ({schedule.timezone})</h3>
      {schedule.next_fire_times.length === 0 ? (
        <p class="muted">
          {schedule.status === 'paused' ? 'Paused: resume it to fire again.' : 'It will not fire again.'}
        </p>
      ) : (
        <ol class="fire-times">
          {schedule.next_fire_times.map((t) => (
            <li key={t}>
              {new Date(t).toLocaleString(undefined, {
                timeZone: schedule.timezone,
                dateStyle: 'medium',
                timeStyle: 'short',
              })}{' '}
              <span class="muted">
                (<Time at={t} />)
              </span>
            </li>
          ))}
        </ol>
      )}
      {props.writable && schedule.cron !== null && (
        <form
          class="toolbar"
          onSubmit={(e) => {
            e.preventDefault()
            void act(() =>
              ok(
                api.PATCH('/v1/sites/{siteId}/schedules/{scheduleId}', { params: { path }, body: { cron } }),
              ),
            )
          }}
        >
          <label class="field field-inline">
            <span>Cron</span>
            <input class="mono" value={cron} onInput={(e) => setCron(e.currentTarget.value)} />
          </label>
          <button type="submit" class="button" disabled={action.busy || cron === schedule.cron}>
            Change cron
          </button>
        </form>
      )}
      <ErrorNotice error={action.error} />
    </section>
  )
}
