import { useEffect, useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Answer, Target } from '../../api/types'
import { ErrorNotice } from '../../ui/feedback'
import { Status } from '../../ui/format'

type Preview = Answer<'/v1/sites/{siteId}/targets/preview', 'post'>
const SHOWN = 50

/** Which approved agents the target matches right now, asked again as the target changes. */
export const TargetPreview = ({ siteId, target }: { siteId: string; target: Target }) => {
  const [preview, setPreview] = useState<Preview | undefined>()
  const [error, setError] = useState<unknown>()
  const key = JSON.stringify(target)
  useEffect(() => {
    let current = true
    // A short pause after the last keystroke keeps typing from sending a request per key.
    const timer = setTimeout(() => {
      ok(
        api.POST('/v1/sites/{siteId}/targets/preview', { params: { path: { siteId } }, body: { target } }),
      ).then(
        (answer) => {
          if (!current) return
          setPreview(answer)
          setError(undefined)
        },
        (failure: unknown) => {
          if (!current) return
          setPreview(undefined)
          setError(failure)
        },
      )
    }, 250)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [siteId, key])
  return (
    <section class="card preview" aria-label="Matching agents" aria-live="polite">
      <h2>
        {preview
          ? `${preview.count} ${preview.count === 1 ? 'agent matches' : 'agents match'}`
          : 'Matching agents'}
      </h2>
      <ErrorNotice error={error} />
      {preview && preview.count === 0 && <p class="muted">No approved agent matches: loosen the target.</p>}
      {preview && (
        <ul class="plain-list">
          {preview.items.slice(0, SHOWN).map((agent) => (
            <li key={agent.id}>
              {agent.hostname} <Status value={agent.presence} />
            </li>
          ))}
          {preview.count > SHOWN && <li class="muted">and {preview.count - SHOWN} more</li>}
        </ul>
      )}
    </section>
  )
}
