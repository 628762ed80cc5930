import { RpcTarget } from 'cloudflare:workers'
import type { CreateScheduleBody, ListSchedulesQuery, UpdateScheduleBody } from '../../schema/api/schedules'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { SiteSchedules } from './site-schedules'

/** A site's schedules, as one caller reaches them. */
export class SchedulesApi extends RpcTarget {
  constructor(
    private readonly schedules: SiteSchedules,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  create(input: CreateScheduleBody, write: WriteContext) {
    return this.scope.answer(() => this.schedules.create(input, actorOf(write), write.idempotency))
  }

  update(scheduleId: string, input: UpdateScheduleBody, write: WriteContext) {
    return this.scope.answer(() =>
      this.schedules.update(scheduleId, input, actorOf(write), write.idempotency),
    )
  }

  pause(scheduleId: string, paused: boolean, write: WriteContext) {
    return this.scope.answer(() =>
      this.schedules.setPaused(scheduleId, paused, actorOf(write), write.idempotency),
    )
  }

  delete(scheduleId: string, write: WriteContext) {
    return this.scope.answer(() => this.schedules.remove(scheduleId, actorOf(write), write.idempotency))
  }

  get(scheduleId: string) {
    return this.scope.answer(() => this.schedules.get(scheduleId))
  }

  list(query: ListSchedulesQuery) {
    return this.scope.answer(() => this.schedules.list(query))
  }
}
