import * as v from 'valibot'
import { readJsonFile, writeFileAtomic } from './state-dir'

export const CONNECTION_STATES = ['connecting', 'connected', 'disconnected', 'refused', 'stopped'] as const

/** What a running agent says about itself in `status.json`, for `sitewire-agent status`. */
export const RunStatus = v.object({
  pid: v.number(),
  state: v.picklist(CONNECTION_STATES),
  since: v.string(),
  connect_url: v.string(),
  /** As the platform's last welcome said. */
  agent_status: v.optional(v.picklist(['pending', 'approved'])),
  last_error: v.optional(v.string()),
  events: v.object({ acked: v.number(), rejected: v.number(), too_large: v.number() }),
  updated_at: v.string(),
})
export type RunStatus = v.InferOutput<typeof RunStatus>

export const readRunStatus = (path: string): RunStatus | undefined => readJsonFile(path, RunStatus)

/** Keeps `status.json` current: rewritten whole on every change, so a reader never sees half of it. */
export class StatusFile {
  private status: RunStatus

  constructor(
    private readonly path: string,
    initial: Pick<RunStatus, 'connect_url' | 'events'>,
  ) {
    const now = new Date().toISOString()
    this.status = { pid: process.pid, state: 'connecting', since: now, updated_at: now, ...initial }
    this.write()
  }

  update(change: Partial<Omit<RunStatus, 'pid' | 'since' | 'updated_at'>>) {
    const now = new Date().toISOString()
    const since = change.state && change.state !== this.status.state ? now : this.status.since
    this.status = { ...this.status, ...change, since, updated_at: now }
    this.write()
  }

  private write() {
    writeFileAtomic(this.path, `${JSON.stringify(this.status, null, 2)}\n`)
  }
}
