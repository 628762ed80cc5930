import type { AgentFrame } from '../../schema/agent/protocol'
import type { OutputLine } from '../../schema/tasks/run-request'
import { type StepEnd, type StepRef, stepFinished, stepOutput, stepStarted } from '../frames'
import type { Identity } from '../identity'
import { errorMessage, type Logger } from '../log'
import type { Outbox } from '../outbox'

/**
 * The events of one attempt, through the outbox (so spooled, replayed in order after a
 * reconnect, stored once): `started` at most once, output chunks numbered from 0, `finished`.
 */
export class AttemptEvents {
  private chunk = 0
  private hasStarted = false

  constructor(
    private readonly sender: Pick<Identity, 'site_id' | 'agent_id'>,
    private readonly ref: StepRef,
    private readonly outbox: Outbox,
    private readonly log: Logger,
  ) {}

  started(pid: number | null) {
    if (this.hasStarted) return
    this.hasStarted = true
    this.submit(stepStarted(this.sender, this.ref, pid))
  }

  output(lines: OutputLine[]) {
    this.submit(stepOutput(this.sender, this.ref, this.chunk++, lines))
  }

  finished(end: StepEnd) {
    this.submit(stepFinished(this.sender, this.ref, end))
  }

  /** A full disk must not stop the step: the platform will see the gap, and the log says why. */
  private submit(frame: AgentFrame) {
    try {
      this.outbox.submit(frame)
    } catch (error) {
      this.log.error('could not spool a step event', {
        ...this.ref,
        type: frame.type,
        error: errorMessage(error),
      })
    }
  }
}
