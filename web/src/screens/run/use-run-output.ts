import { useEffect, useRef, useState } from 'preact/hooks'
import { readArchive } from './archive-reader'
import { OutputBuffer, type OutputLine } from './output-lines'

export interface ArchivedNotice {
  download: string
  lines: number
  bytes: number
  deleted_at: string | null
}

interface Chunk {
  agent_id: string
  index: number
  lines: { at: string; stream: string; text: string }[]
}

/**
 * Follows a run's output over server-sent events (`…/runs/{id}/logs`) while it runs. Lines
 * land in a buffer; the screen re-renders at most once a frame, so a step printing tens of
 * thousands of lines cannot freeze the tab. `onStepEvent` hears step and run changes.
 */
export const useRunOutput = (siteId: string, runId: string, onStepEvent: () => void) => {
  const buffer = useRef(new OutputBuffer()).current
  const [, setVersion] = useState(0)
  const [ended, setEnded] = useState(false)
  const [archived, setArchived] = useState<ArchivedNotice | null>(null)
  const notify = useRef(onStepEvent)
  notify.current = onStepEvent
  useEffect(() => {
    const source = new EventSource(`/v1/sites/${siteId}/runs/${runId}/logs`)
    let frame = 0
    const render = () => {
      frame = 0
      setVersion(buffer.version)
    }
    source.addEventListener('output', (event) => {
      const chunk = JSON.parse((event as MessageEvent<string>).data) as Chunk
      const lines: OutputLine[] = chunk.lines.map((l) => ({
        agentId: chunk.agent_id,
        step: chunk.index,
        ...l,
      }))
      buffer.append(lines)
      if (!frame) frame = requestAnimationFrame(render)
    })
    for (const type of [
      'step.dispatched',
      'step.started',
      'step.finished',
      'run.dispatched',
      'run.collecting',
    ])
      source.addEventListener(type, () => notify.current())
    source.addEventListener('archived', (event) =>
      setArchived(JSON.parse((event as MessageEvent<string>).data) as ArchivedNotice),
    )
    source.addEventListener('end', () => {
      source.close()
      setEnded(true)
      notify.current()
    })
    return () => {
      source.close()
      cancelAnimationFrame(frame)
    }
  }, [siteId, runId])
  /** Replaces the output with what the run's archive holds, once its chunks left the log. */
  const showArchived = async (download: string) => {
    buffer.replace(await readArchive(download))
    setVersion(buffer.version)
  }
  return { buffer, ended, archived, showArchived }
}
