import type { ListRunsQuery, Run, RunArchive, RunDetail, TargetPreview } from '../../schema/api/runs'
import type { Target } from '../../schema/tasks/run-request'
import { apiError } from '../http/errors'
import type { Reply } from '../lib/idempotency'
import { type Page, pageReply } from '../lib/paging'
import type { SiteKernel } from '../site/feature'
import type { SiteScope } from '../site/site-scope'
import type { TaskBook } from '../tasks/task-book'
import type { RunBook, RunRow } from './run-book'
import { matchTargets } from './targets'

/** What the run views read: the runs' and tasks' books, and where an archive is. */
export interface RunViewsPorts {
  book: RunBook
  tasks: Pick<TaskBook, 'definition'>
  /** The run's archive; refused until the run is archived, or once it is deleted. */
  archiveOf: (run: RunRow) => RunArchive
}

/** A site's runs as the API shows them: one with its agents and steps, pages of them, and target previews. */
export class RunViews {
  private readonly scope: SiteScope

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: RunViewsPorts,
  ) {
    this.scope = kernel.scope
  }

  preview(target: Target): Reply<TargetPreview> {
    this.scope.present()
    const rows = matchTargets(this.kernel.db, target)
    return { status: 200, body: { count: rows.length, items: rows.slice(0, 1000) } }
  }

  get(runId: string): Reply<RunDetail> {
    const run = this.requireRun(runId)
    const steps = this.ports.book.definitionOf(runId)?.steps ?? []
    return {
      status: 200,
      body: {
        ...this.toRun(run),
        targets: this.ports.book.runAgents(runId).map((agent) => ({
          agent_id: agent.agentId,
          state: agent.state,
          step: agent.stepIndex,
          attempt: agent.attempt,
        })),
        steps: this.ports.book.steps(runId).map((step) => ({
          agent_id: step.agentId,
          index: step.stepIndex,
          name:
            steps[step.stepIndex]?.name ?? `${steps[step.stepIndex]?.kind ?? 'step'} ${step.stepIndex + 1}`,
          attempt: step.attempt,
          outcome: step.outcome,
          exit_code: step.exitCode,
          signal: step.signal,
          message: step.message,
          dispatched_at: step.dispatchedAt,
          started_at: step.startedAt,
          finished_at: step.finishedAt,
          duration_ms: step.durationMs,
          lines: step.lines,
          bytes: step.bytes,
          head: step.head,
          tail: step.tail,
        })),
      },
    }
  }

  list(query: ListRunsQuery): Reply<Page<Run>> {
    this.scope.present()
    const rows = this.ports.book
      .runs({
        ...(query.task_id ? { taskId: query.task_id } : {}),
        ...(query.status ? { status: query.status } : {}),
      })
      .filter((run) => !query.cursor || run.id < query.cursor)
      .slice(0, query.limit + 1)
    return pageReply(rows, query.limit, (run) => this.toRun(run))
  }

  /** Where a run's logs are archived, to download; refused until the run is archived, or once it is deleted. */
  archive(runId: string): Reply<RunArchive> {
    return { status: 200, body: this.ports.archiveOf(this.requireRun(runId)) }
  }

  requireRun(runId: string): RunRow {
    this.scope.present()
    const run = this.ports.book.run(runId)
    if (!run) throw apiError(404, 'not_found', 'run not found')
    return run
  }

  toRun(run: RunRow): Run {
    const counts = this.ports.book.counts(run.id)
    const request = run.request
    return {
      id: run.id,
      site_id: this.scope.present().id,
      task_id: run.taskId,
      task_version: run.taskVersion,
      task_name: this.ports.tasks.definition(run.taskId, run.taskVersion)?.name ?? '',
      status: run.status,
      reason: run.reason,
      params: request.params,
      strategy: request.strategy,
      failure: request.failure,
      trigger: request.trigger,
      requested_by: run.requestedBy,
      requested_at: run.requestedAt,
      updated_at: run.updatedAt,
      finished_at: run.finishedAt,
      deadline_at: request.deadline_at,
      not_before: request.not_before,
      cancel_requested: run.cancelRequested,
      agents: {
        waiting: counts.waiting,
        running: counts.ready + counts.active + counts.retrying,
        succeeded: counts.succeeded,
        failed: counts.failed,
        cancelled: counts.cancelled,
        skipped: counts.skipped,
      },
      archive: run.archive,
    }
  }
}
