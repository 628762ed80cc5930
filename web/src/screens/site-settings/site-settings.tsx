import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { can } from '../../session/session'
import { ActionForm } from '../../ui/action-form'
import { EmptyState } from '../../ui/feedback'
import { formatLabels, parseLabels } from '../../ui/labels-input'
import { ParsedField } from '../../ui/parsed-field'
import { SiteFrame } from '../site/site-frame'

/** `/sites/:siteId/settings`: a site's name, labels, time zone, agent approval and retention. */
export const SiteSettingsScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="settings">
    {(site, reload) =>
      can('admin', site.id) ? (
        <SiteSettings key={site.updated_at} site={site} onSaved={reload} />
      ) : (
        <EmptyState title="Site settings are for admins">
          Ask an admin of this site to change them.
        </EmptyState>
      )
    }
  </SiteFrame>
)

const SiteSettings = ({ site, onSaved }: { site: Site; onSaved: () => void }) => {
  const [name, setName] = useState(site.name)
  const [description, setDescription] = useState(site.description)
  const [labels, setLabels] = useState(site.labels)
  const [timezone, setTimezone] = useState(site.timezone)
  const [approval, setApproval] = useState(site.agent_approval)
  const [retention, setRetention] = useState(String(site.retention_days))
  return (
    <ActionForm
      label="Site settings"
      heading={false}
      layout="stacked"
      submitLabel="Save settings"
      submit={async () => {
        await ok(
          api.PATCH('/v1/sites/{siteId}', {
            params: { path: { siteId: site.id } },
            body: {
              name,
              description,
              labels,
              timezone,
              agent_approval: approval,
              retention_days: Number(retention),
            },
          }),
        )
        onSaved()
      }}
      disabled={site.status !== 'active'}
    >
      <fieldset class="plain" disabled={site.status !== 'active'}>
        <div class="form-row">
          <label class="field">
            <span>Name</span>
            <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>Time zone</span>
            <input value={timezone} onInput={(e) => setTimezone(e.currentTarget.value)} />
          </label>
        </div>
        <label class="field">
          <span>Description</span>
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <div class="form-row">
          <ParsedField
            label="Labels"
            value={labels}
            format={formatLabels}
            parse={parseLabels}
            onChange={setLabels}
          />
          <label class="field">
            <span>New agents</span>
            <select
              value={approval}
              onChange={(e) => setApproval(e.currentTarget.value as Site['agent_approval'])}
            >
              <option value="automatic">approved on enrolment</option>
              <option value="required">wait for an operator's approval</option>
            </select>
          </label>
          <label class="field field-narrow">
            <span>Keep run archives (days)</span>
            <input
              inputMode="numeric"
              value={retention}
              onInput={(e) => setRetention(e.currentTarget.value)}
            />
          </label>
        </div>
      </fieldset>
    </ActionForm>
  )
}
