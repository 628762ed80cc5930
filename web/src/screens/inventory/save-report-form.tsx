import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import { navigate } from '../../app/router'
import { ActionForm } from '../../ui/action-form'
import { CronFields } from '../../ui/cron-fields'
import { useLoad } from '../../ui/use-load'
import { type ReportDraft, reportSearch } from './report-query'

type Format = 'json' | 'csv' | 'pdf'

/** The report's query as the saved report keeps it: its query parameters, a list for a repeated one. */
export const savedQueryOf = (report: ReportDraft) => {
  const params = new URLSearchParams(
    reportSearch(report, report.group_by ? { group_by: report.group_by } : {}),
  )
  const query: Record<string, string | string[]> = {}
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name)
    query[name] = name === 'filter' || name === 'tag' || name === 'related' ? values : (values[0] ?? '')
  }
  return query
}

const ids = (text: string) =>
  text
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean)

/**
 * Saves the report on screen (its kind, columns, filters and sort) with a name, a format, an
 * optional cron schedule and the teams it is shared with; its runs read with the saver's access.
 */
export const SaveReportForm = ({ report, onDone }: { report: ReportDraft; onDone: () => void }) => {
  const [name, setName] = useState('')
  const [format, setFormat] = useState<Format>('csv')
  const [scheduled, setScheduled] = useState(false)
  const [cron, setCron] = useState('0 6 * * 1')
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone)
  const [shared, setShared] = useState<string[]>([])
  const [sharedText, setSharedText] = useState('')
  // Only admins list teams; others name the teams by id.
  const teams = useLoad(() => ok(api.GET('/v1/teams', { params: { query: { limit: 1000 } } })), [])
  const toggle = (id: string, on: boolean) => setShared(on ? [...shared, id] : shared.filter((t) => t !== id))
  return (
    <ActionForm
      label="Save report"
      layout="stacked"
      submitLabel="Save report"
      submit={async () => {
        await ok(
          api.POST('/v1/inventory/saved-reports', {
            body: {
              name,
              report: { type: 'entities', query: savedQueryOf(report) },
              format,
              schedule: scheduled ? { cron, timezone } : null,
              shared_with_team_ids: teams.data ? shared : ids(sharedText),
            },
          }),
        )
        navigate('/inventory/saved')
      }}
      buttons={
        <button type="button" class="button" onClick={onDone}>
          Cancel
        </button>
      }
    >
      <div class="form-row">
        <label class="field">
          <span>Name</span>
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field field-narrow">
          <span>Format</span>
          <select value={format} onChange={(e) => setFormat(e.currentTarget.value as Format)}>
            <option value="csv">CSV</option>
            <option value="json">JSON</option>
            <option value="pdf">PDF</option>
          </select>
        </label>
      </div>
      <div class="form-row">
        <label class="field field-narrow">
          <span>Runs</span>
          <select
            value={scheduled ? 'cron' : 'manual'}
            onChange={(e) => setScheduled(e.currentTarget.value === 'cron')}
          >
            <option value="manual">when asked</option>
            <option value="cron">on a cron schedule</option>
          </select>
        </label>
        {scheduled && (
          <CronFields cron={cron} timezone={timezone} onCron={setCron} onTimezone={setTimezone} />
        )}
      </div>
      {teams.data ? (
        <fieldset class="field">
          <legend>Shared with</legend>
          {teams.data.items.length === 0 && <span class="muted">no teams yet</span>}
          {teams.data.items.map((team) => (
            <label key={team.id} class="checkbox">
              <input
                type="checkbox"
                checked={shared.includes(team.id)}
                onChange={(e) => toggle(team.id, e.currentTarget.checked)}
              />
              {team.name}
            </label>
          ))}
        </fieldset>
      ) : (
        <label class="field">
          <span>Shared with (team ids, comma-separated)</span>
          <input class="mono" value={sharedText} onInput={(e) => setSharedText(e.currentTarget.value)} />
        </label>
      )}
      <p class="muted">
        Its runs read the inventory with your access as it is then; the teams see what you could read.
      </p>
    </ActionForm>
  )
}
