import { SEVERITIES } from './alert-marks'

/** The filters every alert list offers, as a draft applied with the form's button. */
export interface AlertFilterDraft {
  status: string
  severity: string
  q: string
  label: string
}

/** Status, severity, text and label filters: the same fields on a site's alerts and across sites. */
export const AlertFilterFields = <D extends AlertFilterDraft>({
  draft,
  setDraft,
}: {
  draft: D
  setDraft: (draft: D) => void
}) => (
  <>
    <label class="field field-narrow">
      <span>Status</span>
      <select value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
        <option value="">any</option>
        <option value="firing">firing</option>
        <option value="resolved">resolved</option>
      </select>
    </label>
    <label class="field field-narrow">
      <span>Severity</span>
      <select
        value={draft.severity}
        onChange={(e) => setDraft({ ...draft, severity: e.currentTarget.value })}
      >
        <option value="">any</option>
        {SEVERITIES.map((severity) => (
          <option key={severity} value={severity}>
            {severity}
          </option>
        ))}
      </select>
    </label>
    <label class="field">
      <span>Search</span>
      <input
        type="search"
        placeholder="name or summary"
        value={draft.q}
        onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })}
      />
    </label>
    <label class="field">
      <span>Labels</span>
      <input
        placeholder="service=api, instance=web-1"
        value={draft.label}
        onInput={(e) => setDraft({ ...draft, label: e.currentTarget.value })}
      />
    </label>
  </>
)
