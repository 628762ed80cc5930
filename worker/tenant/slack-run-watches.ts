import type { RunDetail } from '../../schema/api/runs'
import { FINISHED_RUN_STATUSES } from '../../schema/tasks/run-request'
import type { ResponsePoster } from '../chatops/response-url'
import { runProgress } from '../chatops/slack-messages'
import type { Env } from '../env'
import { errorMessage, log } from '../lib/log'
import { siteFor } from '../objects'
import type { RunWatchRow, SlackStore } from './slack-store'

/** How often runs requested from Slack are looked at. */
export const WATCH_INTERVAL_MS = 5_000
/** How long a run is watched before Slack is told where to follow it instead (its response_url lasts 30 min). */
export const WATCH_LIMIT_MS = 10 * 60_000

/**
 * Runs requested from Slack, watched from the Tenant object's alarm until they finish (or the
 * watch's time is up), each then posted once to its command's `response_url`. An alarm, not
 * `waitUntil`, because a run outlives the 30 s a Worker may keep working after its answer.
 */
export class SlackRunWatches {
  readonly name = 'slack_run_watches'
  /** When the watched runs are next looked at (ms); null while none is watched. */
  private nextAt: number | null = null

  constructor(
    private readonly env: Env,
    private readonly tenantId: () => string,
    private readonly slack: SlackStore,
    private readonly post: ResponsePoster,
    /** Asks the object's alarm for this part's `due` again. */
    private readonly wake: () => void,
  ) {}

  add(watch: Omit<RunWatchRow, 'deadlineAt'>, now = Date.now()) {
    this.slack.watch({ ...watch, deadlineAt: new Date(now + WATCH_LIMIT_MS) })
    this.nextAt ??= now + WATCH_INTERVAL_MS
    this.wake()
  }

  /** Watches kept across a restart are looked at at once. */
  due(): number | undefined {
    if (this.slack.watches().length === 0) return undefined
    return this.nextAt ?? Date.now()
  }

  /** Looks at every watched run; a watch is dropped before its post, so no run is posted twice. */
  async work(now = Date.now()) {
    await Promise.all(this.slack.watches().map((watch) => this.check(watch, now)))
    this.nextAt = this.slack.watches().length > 0 ? Date.now() + WATCH_INTERVAL_MS : null
  }

  private async check(watch: RunWatchRow, now: number) {
    try {
      const caller = {
        tenantId: this.tenantId(),
        actor: { type: 'user' as const, id: watch.userId },
        address: null,
      }
      const answer = await siteFor(this.env, watch.siteId, caller).runs.get(watch.runId)
      if (answer.refused) {
        this.slack.unwatch(watch.runId)
        return
      }
      const run = answer.body as RunDetail
      const finished = FINISHED_RUN_STATUSES.includes(run.status)
      if (!finished && now < watch.deadlineAt.getTime()) return
      this.slack.unwatch(watch.runId)
      await this.post(watch.responseUrl, runProgress(run, watch.runUrl, finished))
    } catch (error) {
      log('error', 'slack run watch failed', { run_id: watch.runId, error: errorMessage(error) })
      if (now >= watch.deadlineAt.getTime()) this.slack.unwatch(watch.runId)
    }
  }
}
