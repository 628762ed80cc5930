import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { SilenceDraft, Site } from '../../api/types'
import { ActionForm } from '../../ui/action-form'
import { useKeyedList } from '../../ui/use-keyed-list'

type Matcher = SilenceDraft['matchers'][number]
const OPS: { op: Matcher['op']; label: string }[] = [
  { op: '=', label: '= equals' },
  { op: '!=', label: '!= does not equal' },
  { op: '=~', label: '=~ matches' },
  { op: '!~', label: '!~ does not match' },
]

/** `datetime-local` for an instant `hours` from now, in the browser's time zone. */
const localIn = (hours: number) => {
  const at = new Date(Date.now() + hours * 3_600_000)
  at.setSeconds(0, 0)
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
}

/** A new silence: label matchers, until when, and, when it recurs, its cron window. */
export const SilenceForm = ({ site, onDone }: { site: Site; onDone: (created: boolean) => void }) => {
  const matchers = useKeyedList<Matcher>([{ label: '', op: '=', value: '' }])
  const [endsAt, setEndsAt] = useState(() => localIn(2))
  const [recurring, setRecurring] = useState(false)
  const [cron, setCron] = useState('0 2 * * 6')
  const [timezone, setTimezone] = useState(site.timezone)
  const [minutes, setMinutes] = useState('120')
  const [comment, setComment] = useState('')
  return (
    <ActionForm
      label="New silence"
      layout="stacked"
      submitLabel="Create silence"
      submit={async () => {
        await ok(
          api.POST('/v1/sites/{siteId}/silences', {
            params: { path: { siteId: site.id } },
            body: {
              matchers: matchers.values,
              ends_at: endsAt ? new Date(endsAt).toISOString() : '',
              recurrence: recurring
                ? { cron, timezone, duration_seconds: Math.round(Number(minutes) * 60) }
                : null,
              comment,
            },
          }),
        )
        onDone(true)
      }}
      buttons={
        <button type="button" class="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      }
    >
      <fieldset class="matchers">
        <legend>Alerts whose labels match every row</legend>
        {matchers.values.map((matcher, index) => (
          <fieldset
            class="form-row row-group"
            key={matchers.items[index]?.key}
            aria-label={`Matcher ${index + 1}`}
          >
            <label class="field">
              <span>Label</span>
              <input
                class="mono"
                placeholder="service"
                value={matcher.label}
                onInput={(e) => matchers.set(index, { ...matcher, label: e.currentTarget.value })}
              />
            </label>
            <label class="field field-narrow">
              <span>Operator</span>
              <select
                value={matcher.op}
                onChange={(e) =>
                  matchers.set(index, { ...matcher, op: e.currentTarget.value as Matcher['op'] })
                }
              >
                {OPS.map((op) => (
                  <option key={op.op} value={op.op}>
                    {op.label}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>Value</span>
              <input
                class="mono"
                placeholder={matcher.op.includes('~') ? 'web-.*' : 'api'}
                value={matcher.value}
                onInput={(e) => matchers.set(index, { ...matcher, value: e.currentTarget.value })}
              />
            </label>
            {matchers.values.length > 1 && (
              <button type="button" class="button button-small" onClick={() => matchers.remove(index)}>
                Remove
              </button>
            )}
          </fieldset>
        ))}
        <button
          type="button"
          class="button button-small"
          onClick={() => matchers.add({ label: '', op: '=', value: '' })}
        >
          Add matcher
        </button>
      </fieldset>
      <div class="form-row">
        <label class="field">
          <span>Ends at (your local time)</span>
          <input
            type="datetime-local"
            required
            value={endsAt}
            onInput={(e) => setEndsAt(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Comment</span>
          <input
            placeholder="kernel upgrade, ticket 4321"
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
        </label>
      </div>
      <label class="checkbox">
        <input type="checkbox" checked={recurring} onChange={(e) => setRecurring(e.currentTarget.checked)} />
        Only in recurring windows until then
      </label>
      {recurring && (
        <div class="form-row">
          <label class="field">
            <span>Window starts (cron)</span>
            <input class="mono" value={cron} onInput={(e) => setCron(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>Time zone</span>
            <input value={timezone} onInput={(e) => setTimezone(e.currentTarget.value)} />
          </label>
          <label class="field field-narrow">
            <span>Window length (minutes)</span>
            <input type="number" min="1" value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
          </label>
        </div>
      )}
    </ActionForm>
  )
}
