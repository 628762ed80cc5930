import { RpcTarget } from 'cloudflare:workers'
import type { ListRunsQuery, RequestRunBody, RerunBody } from '../../schema/api/runs'
import type { RunTrigger } from '../../schema/events/run'
import type { Target } from '../../schema/tasks/run-request'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { SiteRuns } from './site-runs'

/** A site's runs, as one caller reaches them. */
export class RunsApi extends RpcTarget {
  constructor(
    private readonly runs: SiteRuns,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  preview(target: Target) {
    return this.scope.answer(() => this.runs.views.preview(target))
  }

  /** `trigger` is the API's unless the Worker asks on someone's behalf, as chat-ops does. */
  request(taskId: string, input: RequestRunBody, write: WriteContext, trigger?: RunTrigger) {
    return this.scope.answer(() =>
      this.runs.commands.requestRun(taskId, input, actorOf(write), write.idempotency, trigger),
    )
  }

  rerun(runId: string, input: RerunBody, write: WriteContext) {
    return this.scope.answer(() => this.runs.commands.rerun(runId, input, actorOf(write), write.idempotency))
  }

  cancel(runId: string, write: WriteContext) {
    return this.scope.answer(() => this.runs.commands.cancelRun(runId, actorOf(write), write.idempotency))
  }

  get(runId: string) {
    return this.scope.answer(() => this.runs.views.get(runId))
  }

  archive(runId: string) {
    return this.scope.answer(() => this.runs.views.archive(runId))
  }

  list(query: ListRunsQuery) {
    return this.scope.answer(() => this.runs.views.list(query))
  }
}
