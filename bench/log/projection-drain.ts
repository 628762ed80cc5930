import type { SitewireApi } from './sitewire-api'

export interface Drain {
  /** Events appended but not yet projected when the wait began. */
  backlog: number
  seconds: number
  caughtUp: boolean
  /** The projector's pace while it emptied the backlog, with no appends competing. */
  eventsPerSecond: number
}

/** Waits until a site's projection reaches the log's head, and says how long that took. */
export const waitForProjection = async (
  api: SitewireApi,
  siteId: string,
  timeoutMs: number,
): Promise<Drain> => {
  const started = performance.now()
  const first = await api.status(siteId)
  const from = first.projected_seq ?? 0
  const backlog = first.head_seq - from
  let status = first
  while ((status.projected_seq ?? 0) < status.head_seq && performance.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    status = await api.status(siteId)
  }
  const seconds = (performance.now() - started) / 1000
  const caughtUp = (status.projected_seq ?? 0) >= status.head_seq
  return { backlog, seconds, caughtUp, eventsPerSecond: ((status.projected_seq ?? 0) - from) / seconds }
}
