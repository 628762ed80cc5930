import { useState } from 'preact/hooks'
import { ApiFailure, api, ok } from '../../api/client'
import type { Answer } from '../../api/types'
import { Link } from '../../app/router'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { InventoryFrame } from './inventory-frame'
import type { EntityKind } from './report-query'
import { SiteKindFields } from './site-kind-fields'

type ImportReport = Answer<'/v1/sites/{siteId}/inventory/import', 'post'>

/** The line report of an import that failed (422 `import_failed` carries it in `details`). */
const reportOf = (failure: unknown): ImportReport | undefined => {
  if (!(failure instanceof ApiFailure) || failure.code !== 'import_failed') return undefined
  const details = failure.details as Partial<ImportReport> | undefined
  return Array.isArray(details?.lines) ? (details as ImportReport) : undefined
}

/** What became of each line: its status, the entity it made, and each problem and warning. */
export const ImportLines = ({ report, siteId }: { report: ImportReport; siteId: string }) => (
  <section aria-label="Import report">
    <p role="status">
      {report.applied ? 'Applied' : 'Nothing applied'}: {report.created} created, {report.failed} failed.
    </p>
    <ListTable
      label="Import lines"
      loading="the report"
      items={report.lines}
      rowKey={(line) => line.line}
      rowClass={(line) => (line.status === 'invalid' ? 'row-failed' : undefined)}
      columns={[
        { header: 'Line', cell: (line) => line.line },
        { header: 'Status', cell: (line) => line.status },
        {
          header: 'Entity',
          cell: (line) =>
            line.entity_id ? (
              <Link href={`/sites/${siteId}/inventory/${line.entity_id}`}>{line.entity_id}</Link>
            ) : (
              '—'
            ),
        },
        {
          header: 'Problems',
          cell: (line) =>
            line.errors.length === 0 ? '—' : line.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        },
        {
          header: 'Warnings',
          cell: (line) => (line.warnings.length === 0 ? '—' : line.warnings.map((w) => w.message).join('; ')),
        },
      ]}
    />
  </section>
)

/** `/inventory/import`: entities of one kind from a CSV into a site, with the line-by-line report as a table. */
export const ImportScreen = () => {
  const sites = useLoad(() => ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } })), [])
  const [siteId, setSiteId] = useState('')
  const [kind, setKind] = useState<EntityKind>('server')
  const [apply, setApply] = useState<'all' | 'valid'>('all')
  const [csv, setCsv] = useState('name,attributes.hostname\r\n')
  const [report, setReport] = useState<{ report: ImportReport; siteId: string }>()
  const [failure, setFailure] = useState<unknown>()
  if (sites.error) return <ErrorNotice error={sites.error} />
  if (!sites.data) return <Loading what="the sites" />
  const site = siteId || sites.data.items[0]?.id || ''
  return (
    <InventoryFrame tab="import">
      <ActionForm
        label="Import entities"
        layout="stacked"
        submitLabel="Import"
        busyLabel="Importing…"
        disabled={!site}
        error={failure}
        submit={async () => {
          setReport(undefined)
          setFailure(undefined)
          const { data, error, response } = await api.POST('/v1/sites/{siteId}/inventory/import', {
            params: { path: { siteId: site }, query: { kind, apply } },
            body: csv as never,
            bodySerializer: (body: unknown) => body as string,
            headers: { 'content-type': 'text/csv' },
          })
          const failed = response.ok ? undefined : ApiFailure.from(response.status, error)
          const lines = data ?? reportOf(failed)
          if (lines) setReport({ report: lines, siteId: site })
          if (failed) setFailure(failed)
        }}
      >
        <div class="form-row">
          <SiteKindFields
            sites={sites.data.items}
            siteId={site}
            onSite={setSiteId}
            kind={kind}
            onKind={setKind}
          />
          <label class="field">
            <span>When a line fails</span>
            <select value={apply} onChange={(e) => setApply(e.currentTarget.value as 'all' | 'valid')}>
              <option value="all">store nothing</option>
              <option value="valid">store the valid lines</option>
            </select>
          </label>
          <label class="field">
            <span>CSV file</span>
            <input
              type="file"
              accept=".csv,text/csv"
              onChange={async (e) => {
                const file = e.currentTarget.files?.[0]
                if (file) setCsv(await file.text())
              }}
            />
          </label>
        </div>
        <label class="field">
          <span>CSV</span>
          <textarea
            class="mono"
            rows={8}
            spellcheck={false}
            value={csv}
            onInput={(e) => setCsv(e.currentTarget.value)}
          />
        </label>
      </ActionForm>
      {report ? (
        <ImportLines report={report.report} siteId={report.siteId} />
      ) : (
        <EmptyState title="No import yet">
          A header names name, team_id, tags (separated by ;), restricted, attributes.… and custom_fields.…
        </EmptyState>
      )}
    </InventoryFrame>
  )
}
