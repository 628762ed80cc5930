import { monotonicFactory } from 'ulid'
import type {
  CreateScheduleBody,
  ListSchedulesQuery,
  Schedule,
  UpdateScheduleBody,
} from '../../schema/api/schedules'
import {
  EventType,
  type LoggedEvent,
  type ScheduleDefinition,
  type SitewireEventBody,
} from '../../schema/events'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, pageReply } from '../lib/paging'
import { resolveParams } from '../runs/params'
import type { RunCommands } from '../runs/run-commands'
import type { SiteFeature, SiteKernel } from '../site/feature'
import type { SiteScope } from '../site/site-scope'
import type { TaskBook } from '../tasks/task-book'
import { ScheduleBook, type ScheduleRow } from './schedule-book'
import { ScheduleFiring } from './schedule-firing'
import { iso, scheduleView } from './schedule-view'

const nextId = monotonicFactory()

/** What the schedules need beside the kernel: the tasks they name, and the runs they request. */
export interface SiteSchedulesPorts {
  tasks: Pick<TaskBook, 'current'>
  runs: Pick<RunCommands, 'requestRun'>
}

const SCHEDULE_EVENT_PREFIX = 'io.sitewire.schedule.'

/**
 * A site's schedules: commands become schedule events; when their time has come (on the alarm,
 * and when the object starts) the schedules request their runs, or record what they missed.
 */
export class SiteSchedules implements SiteFeature {
  readonly name = 'schedules'
  private readonly scope: SiteScope
  private readonly book: ScheduleBook
  /** The next fire time (ms), as last read; null once a schedule event may have moved it. */
  private nextDue: number | undefined | null = null
  private readonly firing: ScheduleFiring

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteSchedulesPorts,
  ) {
    this.scope = kernel.scope
    this.book = new ScheduleBook(kernel.db)
    this.firing = new ScheduleFiring(kernel, this.book, ports.runs, (scheduleId, actor, body) =>
      this.commit(undefined, scheduleId, actor, 200, [body]),
    )
  }

  evolve(event: LoggedEvent) {
    this.book.apply(event)
    if (event.type.startsWith(SCHEDULE_EVENT_PREFIX)) this.nextDue = null
  }

  due() {
    if (this.nextDue === null) this.nextDue = this.book.nextDue()
    const next = this.nextDue
    return next === undefined ? undefined : Math.max(next, this.firing.retryAt)
  }

  work() {
    this.firing.fireDue()
  }

  // Commands

  create(input: CreateScheduleBody, actor: string, idempotency?: IdempotencyClaim): Reply<Schedule> {
    const site = this.scope.active()
    const task = this.checkTask(input.task_id, input.run.params)
    const scheduleId = nextId()
    const definition: ScheduleDefinition = {
      task_id: input.task_id,
      name: input.name ?? task.name,
      cron: input.cron ?? null,
      at: input.at === undefined ? null : this.futureTime(input.at),
      timezone: input.timezone ?? site.timezone,
      run: input.run,
      missed: input.missed,
    }
    return this.commit(idempotency, scheduleId, actor, 201, [
      {
        type: EventType.scheduleCreated,
        data: { schedule_id: scheduleId, definition, paused: input.paused },
      },
    ])
  }

  update(
    scheduleId: string,
    input: UpdateScheduleBody,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<Schedule> {
    this.scope.active()
    const row = this.requireSchedule(scheduleId)
    const current = row.definition
    const definition: ScheduleDefinition = {
      ...current,
      ...(input.task_id === undefined ? {} : { task_id: input.task_id }),
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.cron === undefined ? {} : { cron: input.cron, at: null }),
      ...(input.at === undefined ? {} : { at: this.futureTime(input.at), cron: null }),
      ...(input.timezone === undefined ? {} : { timezone: input.timezone }),
      ...(input.run === undefined ? {} : { run: input.run }),
      ...(input.missed === undefined ? {} : { missed: input.missed }),
    }
    if (input.task_id !== undefined || input.run !== undefined)
      this.checkTask(definition.task_id, definition.run.params)
    const bodies: SitewireEventBody[] = []
    if (JSON.stringify(definition) !== JSON.stringify(current))
      bodies.push({ type: EventType.scheduleUpdated, data: { schedule_id: scheduleId, definition } })
    if (input.paused !== undefined) {
      // A new `at` arms a completed one-shot again, so it may be paused in the same change.
      const completed = row.status === 'completed' && input.at === undefined && input.cron === undefined
      bodies.push(...this.pausing(row, input.paused, completed))
    }
    return this.commit(idempotency, scheduleId, actor, 200, bodies)
  }

  setPaused(scheduleId: string, paused: boolean, actor: string, idempotency?: IdempotencyClaim) {
    this.scope.active()
    const row = this.requireSchedule(scheduleId)
    return this.commit(
      idempotency,
      scheduleId,
      actor,
      200,
      this.pausing(row, paused, row.status === 'completed'),
    )
  }

  remove(scheduleId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Schedule> {
    this.scope.active()
    const before = this.toSchedule(this.requireSchedule(scheduleId))
    return this.kernel.write(
      idempotency,
      { subject: scheduleId, actor },
      () => [{ type: EventType.scheduleDeleted, data: { schedule_id: scheduleId } }],
      () => ({ status: 200, body: before }),
    )
  }

  // Queries

  get(scheduleId: string): Reply<Schedule> {
    return { status: 200, body: this.toSchedule(this.requireSchedule(scheduleId)) }
  }

  list(query: ListSchedulesQuery): Reply<Page<Schedule>> {
    this.scope.present()
    const rows = this.book.list({
      limit: query.limit + 1,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.task_id ? { taskId: query.task_id } : {}),
    })
    return pageReply(rows, query.limit, (row) => this.toSchedule(row))
  }

  // The alarm's side
  // Internals

  /** Stores a schedule's events and answers with the schedule as they left it. */
  private commit(
    idempotency: IdempotencyClaim | undefined,
    scheduleId: string,
    actor: string,
    status: number,
    bodies: SitewireEventBody[],
  ): Reply<Schedule> {
    return this.kernel.write(
      idempotency,
      { subject: scheduleId, actor },
      () => bodies,
      () => ({ status, body: this.toSchedule(this.requireSchedule(scheduleId)) }),
    )
  }

  private pausing(row: ScheduleRow, paused: boolean, completed: boolean): SitewireEventBody[] {
    if (completed)
      throw apiError(409, 'schedule_completed', 'this one-shot schedule has fired; give it a new `at` first')
    if (paused === (row.status === 'paused')) return []
    return [
      { type: paused ? EventType.schedulePaused : EventType.scheduleResumed, data: { schedule_id: row.id } },
    ]
  }

  /** The schedule's task must exist, and the run's parameters fit it. */
  private checkTask(taskId: string, params: Record<string, string | number | boolean>) {
    const current = this.ports.tasks.current(taskId)
    if (!current) throw apiError(422, 'unknown_task', 'the site has no task with this id')
    resolveParams(current.definition.params, params)
    return current.task
  }

  private futureTime(at: string): string {
    const time = Date.parse(at)
    if (time <= this.kernel.now()) throw apiError(422, 'at_passed', '`at` must be in the future')
    return iso(time)
  }

  private requireSchedule(scheduleId: string): ScheduleRow {
    this.scope.present()
    const row = this.book.schedule(scheduleId)
    if (!row || row.deletedAt) throw apiError(404, 'not_found', 'schedule not found')
    return row
  }
  private toSchedule(row: ScheduleRow): Schedule {
    return scheduleView(row, this.scope.present().id)
  }
}
