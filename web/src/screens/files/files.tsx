import { useRef } from 'preact/hooks'
import { ApiFailure, api, ok } from '../../api/client'
import type { Answer, Site } from '../../api/types'
import { can } from '../../session/session'
import { ActionButton } from '../../ui/action-button'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { bytes, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

type Uploaded = Answer<'/v1/sites/{siteId}/files', 'post'>

/** `/sites/:siteId/files`: files `push` steps write on agents; uploaded as they are. */
export const FilesScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="files">
    {(site) => <Files site={site} />}
  </SiteFrame>
)

/** The upload's body is the file itself, so it goes by fetch rather than the JSON client. */
const upload = async (siteId: string, file: File): Promise<Uploaded> => {
  const response = await fetch(`/v1/sites/${siteId}/files?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': file.type || 'application/octet-stream' },
    body: file,
  })
  const body: unknown = await response.json().catch(() => null)
  if (!response.ok) throw ApiFailure.from(response.status, body)
  return body as Uploaded
}

const Files = ({ site }: { site: Site }) => {
  const files = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/files', {
          params: { path: { siteId: site.id }, query: { limit: 1000 } },
        }),
      ),
    [site.id],
  )
  const picker = useRef<HTMLInputElement>(null)
  const remove = useAction()
  const writable = can('operator', site.id) && site.status === 'active'
  return (
    <section aria-label="Files">
      {writable && (
        <ActionForm
          label="Upload a file"
          layout="inline"
          card={false}
          submitLabel="Upload"
          busyLabel="Uploading…"
          submit={async () => {
            const file = picker.current?.files?.[0]
            if (!file) return
            try {
              await upload(site.id, file)
              if (picker.current) picker.current.value = ''
            } finally {
              files.reload()
            }
          }}
        >
          <label class="field field-inline">
            <span>File</span>
            <input type="file" ref={picker} required />
          </label>
        </ActionForm>
      )}
      <ErrorNotice error={files.error ?? remove.error} />
      <ListTable
        label="Files"
        loading="files"
        items={files.data?.items}
        empty={
          <EmptyState title="No files">
            {writable
              ? 'Upload a file, then push it to agents with a file step of a task.'
              : 'Operators upload files for tasks to push.'}
          </EmptyState>
        }
        columns={[
          {
            header: 'Name',
            cell: (file) => (
              <a href={`/v1/sites/${site.id}/files/${file.id}/content`} download={file.name}>
                {file.name}
              </a>
            ),
          },
          { header: 'Size', cell: (file) => bytes(file.bytes) },
          { header: 'Id (for push steps)', cell: (file) => <code>{file.id}</code> },
          { header: 'SHA-256', cell: (file) => <code title={file.sha256}>{file.sha256.slice(0, 12)}…</code> },
          { header: 'Uploaded', cell: (file) => <Time at={file.created_at} /> },
        ]}
        actions={(file) =>
          writable && (
            <ActionButton
              danger
              action={remove}
              confirm={`Delete ${file.name}?`}
              write={async () => {
                await ok(
                  api.DELETE('/v1/sites/{siteId}/files/{fileId}', {
                    params: { path: { siteId: site.id, fileId: file.id } },
                  }),
                )
                files.reload()
              }}
            >
              Delete
            </ActionButton>
          )
        }
      />
    </section>
  )
}
