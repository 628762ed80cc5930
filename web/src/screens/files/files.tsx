import { useRef } from 'preact/hooks'
import { ApiFailure, api, ok } from '../../api/client'
import type { Answer, Site } from '../../api/types'
import { can } from '../../session/session'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { bytes, Time } from '../../ui/format'
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
  const action = useAction()
  const writable = can('operator', site.id) && site.status === 'active'
  return (
    <section aria-label="Files">
      {writable && (
        <form
          class="toolbar"
          aria-label="Upload a file"
          onSubmit={async (e) => {
            e.preventDefault()
            const file = picker.current?.files?.[0]
            if (!file) return
            const done = await action.run(() => upload(site.id, file))
            if (done && picker.current) picker.current.value = ''
            files.reload()
          }}
        >
          <label class="field field-inline">
            <span>File</span>
            <input type="file" ref={picker} required />
          </label>
          <button type="submit" class="button button-primary" disabled={action.busy}>
            {action.busy ? 'Uploading…' : 'Upload'}
          </button>
        </form>
      )}
      <ErrorNotice error={files.error ?? action.error} />
      {!files.data ? (
        <Loading what="files" />
      ) : files.data.items.length === 0 ? (
        <EmptyState title="No files">
          {writable
            ? 'Upload a file, then push it to agents with a file step of a task.'
            : 'Operators upload files for tasks to push.'}
        </EmptyState>
      ) : (
        <table class="table">
          <caption class="visually-hidden">Files</caption>
          <thead>
            <tr>
              <th>Name</th>
              <th>Size</th>
              <th>Id (for push steps)</th>
              <th>SHA-256</th>
              <th>Uploaded</th>
              <th>
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {files.data.items.map((file) => (
              <tr key={file.id}>
                <td>
                  <a href={`/v1/sites/${site.id}/files/${file.id}/content`} download={file.name}>
                    {file.name}
                  </a>
                </td>
                <td>{bytes(file.bytes)}</td>
                <td>
                  <code>{file.id}</code>
                </td>
                <td>
                  <code title={file.sha256}>{file.sha256.slice(0, 12)}…</code>
                </td>
                <td>
                  <Time at={file.created_at} />
                </td>
                <td class="row-actions">
                  {writable && (
                    <button
                      type="button"
                      class="button button-small button-danger"
                      onClick={() => {
                        if (!confirm(`Delete ${file.name}?`)) return
                        void action.run(async () => {
                          await ok(
                            api.DELETE('/v1/sites/{siteId}/files/{fileId}', {
                              params: { path: { siteId: site.id, fileId: file.id } },
                            }),
                          )
                          files.reload()
                        })
                      }}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
