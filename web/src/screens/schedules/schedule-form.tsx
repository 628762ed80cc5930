import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Answer, Site } from '../../api/types'
import { ActionForm } from '../../ui/action-form'
import { CronFields } from '../../ui/cron-fields'
import { parseLabels } from '../../ui/labels-input'
import { useLoad } from '../../ui/use-load'

type Created = Answer<'/v1/sites/{siteId}/schedules', 'post'>

/** A new schedule: a task, cron (in a time zone) or one time, and the agents its runs target. */
export const ScheduleForm = ({ site, onDone }: { site: Site; onDone: (created?: Created) => void }) => {
  const tasks = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/tasks', {
          params: { path: { siteId: site.id }, query: { limit: 1000 } },
        }),
      ),
    [site.id],
  )
  const [taskId, setTaskId] = useState('')
  const [name, setName] = useState('')
  const [when, setWhen] = useState<'cron' | 'at'>('cron')
  const [cron, setCron] = useState('0 9 * * 1-5')
  const [at, setAt] = useState('')
  const [timezone, setTimezone] = useState(site.timezone)
  const [labels, setLabels] = useState('')
  const [missed, setMissed] = useState<'run_once' | 'skip'>('run_once')
  const chosenTask = taskId || tasks.data?.items[0]?.id || ''
  return (
    <ActionForm
      label="New schedule"
      layout="stacked"
      submitLabel="Create schedule"
      submit={async () => {
        const created = await ok(
          api.POST('/v1/sites/{siteId}/schedules', {
            params: { path: { siteId: site.id } },
            body: {
              task_id: chosenTask,
              ...(name ? { name } : {}),
              ...(when === 'cron' ? { cron, timezone } : { at: new Date(at).toISOString() }),
              run: { target: { labels: parseLabels(labels) } },
              missed,
            },
          }),
        )
        onDone(created)
      }}
      disabled={!chosenTask}
      error={tasks.error}
      buttons={
        <button type="button" class="button" onClick={() => onDone()}>
          Cancel
        </button>
      }
    >
      <div class="form-row">
        <label class="field">
          <span>Task</span>
          <select value={chosenTask} onChange={(e) => setTaskId(e.currentTarget.value)}>
            {tasks.data?.items.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Name</span>
          <input placeholder="the task's name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
      </div>
      <div class="form-row">
        <label class="field field-narrow">
          <span>When</span>
          <select value={when} onChange={(e) => setWhen(e.currentTarget.value as 'cron' | 'at')}>
            <option value="cron">on a cron schedule</option>
            <option value="at">once</option>
          </select>
        </label>
        {when === 'cron' ? (
          <CronFields cron={cron} timezone={timezone} onCron={setCron} onTimezone={setTimezone} />
        ) : (
          <label class="field">
            <span>At (your local time)</span>
            <input type="datetime-local" value={at} onInput={(e) => setAt(e.currentTarget.value)} />
          </label>
        )}
      </div>
      <div class="form-row">
        <label class="field">
          <span>Target labels</span>
          <input placeholder="role=web" value={labels} onInput={(e) => setLabels(e.currentTarget.value)} />
        </label>
        <label class="field field-narrow">
          <span>Missed fires</span>
          <select value={missed} onChange={(e) => setMissed(e.currentTarget.value as 'run_once' | 'skip')}>
            <option value="run_once">run once late</option>
            <option value="skip">skip</option>
          </select>
        </label>
      </div>
    </ActionForm>
  )
}
