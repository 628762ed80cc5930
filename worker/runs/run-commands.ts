import { monotonicFactory } from 'ulid'
import type { RequestRunBody, RerunBody, Run } from '../../schema/api/runs'
import { EventType, type RunTrigger } from '../../schema/events'
import { FINISHED_RUN_STATUSES } from '../../schema/tasks/run-request'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import type { SiteKernel } from '../site/feature'
import { resolveParams } from './params'
import type { RunViews } from './run-views'
import type { SiteRunsPorts } from './site-runs'
import { matchTargets } from './targets'

const nextId = monotonicFactory()

/** What callers ask of a site's runs: a run of a task, the same run again, a run stopped. */
export class RunCommands {
  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteRunsPorts,
    private readonly views: RunViews,
  ) {}

  requestRun(
    taskId: string,
    input: RequestRunBody,
    actor: string,
    idempotency: IdempotencyClaim | undefined,
    trigger: RunTrigger = { kind: 'api' },
  ): Reply<Run> {
    this.kernel.scope.active()
    const current = this.ports.tasks.current(taskId)
    if (!current) throw apiError(404, 'not_found', 'task not found')
    const { task, definition } = current
    // A file the task pushes may have been deleted since the task was saved.
    this.ports.files.checkSteps(definition)
    if (input.from_step >= definition.steps.length) {
      throw apiError(
        422,
        'invalid_step',
        `the task has ${definition.steps.length} step(s); from_step starts at 0`,
      )
    }
    const params = resolveParams(definition.params, input.params)
    const agents = matchTargets(this.kernel.db, input.target)
    if (agents.length === 0) throw apiError(422, 'no_targets', 'no approved agent matches the target')
    const runId = nextId()
    const now = this.kernel.now()
    const start = input.at ? Math.max(Date.parse(input.at), now) : now
    return this.kernel.write(
      idempotency,
      { subject: runId, actor },
      () => [
        {
          type: EventType.runRequested,
          data: {
            run_id: runId,
            task_id: taskId,
            task_version: task.version,
            params,
            agent_ids: agents.map((agent) => agent.id),
            from_step: input.from_step,
            strategy: input.strategy,
            failure: input.failure,
            deadline_at: new Date(start + input.deadline_seconds * 1000).toISOString(),
            not_before: input.at ? new Date(start).toISOString() : null,
            trigger,
          },
        },
      ],
      () => ({ status: 202, body: this.views.toRun(this.views.requireRun(runId)) }),
    )
  }

  rerun(runId: string, input: RerunBody, actor: string, idempotency?: IdempotencyClaim): Reply<Run> {
    const run = this.views.requireRun(runId)
    if (!['succeeded', 'failed', 'cancelled'].includes(run.status))
      throw apiError(409, 'run_not_finished', 'a run can be run again once it has finished')
    const agentIds = this.ports.book
      .runAgents(runId)
      .filter((agent) => input.agents === 'all' || agent.state !== 'succeeded')
      .map((agent) => agent.agentId)
    if (agentIds.length === 0) throw apiError(422, 'no_targets', 'every agent of this run succeeded')
    const request = run.request
    const deadlineSeconds = Math.round(
      (Date.parse(request.deadline_at) - Date.parse(request.not_before ?? run.requestedAt)) / 1000,
    )
    return this.requestRun(
      run.taskId,
      {
        params: request.params,
        target: { agent_ids: agentIds },
        strategy: request.strategy,
        failure: request.failure,
        deadline_seconds: Math.max(1, deadlineSeconds),
        from_step: input.from_step ?? request.from_step,
      },
      actor,
      idempotency,
      { kind: 'rerun', run_id: runId },
    )
  }

  cancelRun(runId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Run> {
    const run = this.views.requireRun(runId)
    const working = !FINISHED_RUN_STATUSES.includes(run.status)
    return this.kernel.commit(idempotency, (time) => ({
      events:
        working && !run.cancelRequested
          ? this.kernel.scope.events(
              [{ type: EventType.runCancelRequested, data: { run_id: runId } }],
              runId,
              actor,
              time,
            )
          : [],
      reply: () => ({ status: 202, body: this.views.toRun(this.views.requireRun(runId)) }),
    }))
  }
}
