import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiFailure, api, ok } from '../../api/client'
import type { Item } from '../../api/types'

export type LoggedEvent = Item<'/v1/sites/{siteId}/events'>

const PAGE = 200
/** Most events kept on screen while following; older ones scroll out. */
const KEEP = 20_000

/**
 * A site's log, newest pages loaded on demand, and, while following, every new event from
 * the site's WebSocket stream (`…/events/stream`, gap-free from the last seq shown).
 */
export const useEventLog = (siteId: string, type: string, follow: boolean) => {
  const [events, setEvents] = useState<LoggedEvent[]>([])
  const [error, setError] = useState<unknown>()
  const [loading, setLoading] = useState(true)
  const last = useRef(0)
  useEffect(() => {
    let current = true
    setLoading(true)
    setEvents([])
    last.current = 0
    // The log reads forward from `after`; the head's seq tells where the newest page starts.
    ok(api.GET('/v1/sites/{siteId}/status', { params: { path: { siteId } } }))
      .then((status) =>
        ok(
          api.GET('/v1/sites/{siteId}/events', {
            params: {
              path: { siteId },
              query: { after: Math.max(0, status.head_seq - PAGE), limit: PAGE, type: type || undefined },
            },
          }),
        ),
      )
      .then(
        (page) => {
          if (!current) return
          setEvents(page.items)
          last.current = page.items.at(-1)?.seq ?? last.current
          setLoading(false)
        },
        (failure: unknown) => {
          if (!current) return
          setError(failure)
          setLoading(false)
        },
      )
    return () => {
      current = false
    }
  }, [siteId, type])
  useEffect(() => {
    if (!follow || loading) return
    const query = new URLSearchParams({ after: String(last.current), ...(type ? { type } : {}) })
    const socket = new WebSocket(
      `${location.origin.replace(/^http/, 'ws')}/v1/sites/${siteId}/events/stream?${query}`,
    )
    socket.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as LoggedEvent
      last.current = event.seq
      setEvents((shown) => [...shown.slice(-KEEP), event])
    }
    socket.onclose = (close) => {
      if (close.code !== 1000)
        setError(
          new ApiFailure(
            0,
            'stream_closed',
            `the live stream closed (${close.code}); follow again to resume`,
            null,
          ),
        )
    }
    return () => socket.close(1000)
  }, [siteId, type, follow, loading])
  return { events, error, loading }
}
