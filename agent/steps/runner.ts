import type { Step } from '../../schema/tasks/steps'
import type { StepRef } from '../frames'
import type { Identity } from '../identity'
import { errorMessage, type Logger } from '../log'
import type { Outbox } from '../outbox'
import type { StatePaths } from '../state-dir'
import {
  DEFAULT_STEP_TIMING,
  type StepContext,
  type StepMessage,
  type StepTiming,
  type Transfer,
} from './context'
import { AttemptEvents } from './events'
import { fetchFile } from './file-fetch'
import { pushFile } from './file-push'
import { runHttp } from './http'
import { StepLedger } from './ledger'
import { Masker } from './mask'
import { StepOutput } from './output'
import { explain, resultOf, StepProblem, type StepResult, type StopReason } from './result'
import { runScript } from './script'
import { clearWorkDir } from './script-file'
import { resolveSecrets, SecretStore } from './secrets'

/** Longest `message` a finished event carries. */
const MAX_MESSAGE_LENGTH = 2000

export interface StepRunnerDeps {
  identity: Pick<Identity, 'site_id' | 'agent_id'>
  outbox: Outbox
  paths: Pick<StatePaths, 'secrets' | 'steps' | 'work'>
  transfer: Transfer
  log: Logger
  timing?: Partial<StepTiming>
}

interface Running {
  run_id: string
  controller: AbortController
  done: Promise<void>
}

const execute = (step: Step, ctx: StepContext): Promise<StepResult> => {
  switch (step.kind) {
    case 'script':
      return runScript(step, ctx)
    case 'http':
      return runHttp(step, ctx)
    case 'file':
      return step.direction === 'push' ? pushFile(step, ctx) : fetchFile(step, ctx)
  }
}

const stoppedBy = (reason: StopReason, timeoutSeconds: number): Pick<StepResult, 'outcome' | 'message'> => {
  switch (reason) {
    case 'timed_out':
      return { outcome: 'timed_out', message: `timed out after ${timeoutSeconds} s` }
    case 'cancelled':
      return { outcome: 'cancelled', message: 'cancelled' }
    case 'stopping':
      return { outcome: 'error', message: 'the agent stopped during this step' }
  }
}

/** Masked first, then cut: cutting first could leave part of a secret. */
const finalMessage = (parts: (string | null)[], masker: Masker): string | null => {
  const text = parts.filter((part) => part !== null && part !== '').join('; ')
  if (text === '') return null
  const masked = masker.mask(text)
  return masked.length > MAX_MESSAGE_LENGTH ? `${masked.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : masked
}

const keyOf = (ref: StepRef) => `${ref.run_id}/${ref.index}/${ref.attempt}`

/**
 * Runs the steps the platform sends, each attempt at most once (the ledger remembers them
 * across restarts), with its timeout, and stops those of a run when it is cancelled. Every
 * attempt ends with a `step.finished` event, whatever happens to it.
 */
export class StepRunner {
  private readonly running = new Map<string, Running>()
  private readonly ledger: StepLedger
  private readonly secrets: SecretStore
  private readonly timing: StepTiming

  constructor(private readonly deps: StepRunnerDeps) {
    this.ledger = new StepLedger(deps.paths.steps)
    this.secrets = new SecretStore(deps.paths.secrets)
    this.timing = { ...DEFAULT_STEP_TIMING, ...deps.timing }
    clearWorkDir(deps.paths.work)
    this.closeInterrupted()
  }

  /** Runs a step unless this attempt already ran or is running; settles once it has finished. */
  run(message: StepMessage): Promise<void> {
    const ref: StepRef = { run_id: message.run_id, index: message.index, attempt: message.attempt }
    const fields = { ...ref, kind: message.step.kind, name: message.step.name }
    const key = keyOf(ref)
    const running = this.running.get(key)
    if (running) {
      this.deps.log.info('step already running, not started again', fields)
      return running.done
    }
    if (this.ledger.has(ref)) {
      this.deps.log.info('step already ran, not run again', fields)
      return Promise.resolve()
    }
    const controller = new AbortController()
    const done = this.attempt(message, ref, controller, fields)
      // Nothing is left to report then, but a rejection nobody handles would end the agent.
      .catch((error) => this.deps.log.error('step runner failed', { ...ref, error: errorMessage(error) }))
      .finally(() => this.running.delete(key))
    this.running.set(key, { run_id: ref.run_id, controller, done })
    return done
  }

  /** Stops what runs for this run; its steps finish `cancelled`. */
  cancel(runId: string) {
    const steps = [...this.running.values()].filter((running) => running.run_id === runId)
    this.deps.log.info('cancelling run', { run_id: runId, running_steps: steps.length })
    for (const step of steps) step.controller.abort('cancelled' satisfies StopReason)
  }

  /** The agent is stopping: ends every running step and settles once each has reported it. */
  async stop() {
    const steps = [...this.running.values()]
    for (const step of steps) step.controller.abort('stopping' satisfies StopReason)
    await Promise.all(steps.map((step) => step.done))
  }

  private async attempt(
    message: StepMessage,
    ref: StepRef,
    controller: AbortController,
    fields: Record<string, unknown>,
  ) {
    const { identity, outbox, log } = this.deps
    const began = Date.now()
    const events = new AttemptEvents(identity, ref, outbox, log)
    const timeoutSeconds = message.step.timeout_seconds
    const timer = setTimeout(() => controller.abort('timed_out' satisfies StopReason), timeoutSeconds * 1000)
    let masker = new Masker([])
    let output: StepOutput | undefined
    let result: StepResult
    try {
      this.ledger.started(ref, began)
      log.info('step started', fields)
      const resolved = resolveSecrets(message.step, () => this.secrets.read())
      masker = new Masker(resolved.values)
      output = new StepOutput(masker, (lines) => events.output(lines))
      result = await execute(resolved.step, {
        ref,
        signal: controller.signal,
        output,
        started: (pid) => events.started(pid),
        workDir: this.deps.paths.work,
        timing: this.timing,
        transfer: this.deps.transfer,
        file: message.file,
        uploadUrl: message.upload_url,
      })
    } catch (error) {
      result =
        error instanceof StepProblem
          ? resultOf(error.outcome, error.message)
          : resultOf('error', `the agent could not run this step: ${explain(error)}`)
    } finally {
      clearTimeout(timer)
    }
    const dropped = output?.close() ?? null
    if (controller.signal.aborted)
      result = { ...result, ...stoppedBy(controller.signal.reason, timeoutSeconds) }
    const end = {
      ...result,
      message: finalMessage([result.message, dropped], masker),
      duration_ms: Date.now() - began,
    }
    events.finished(end)
    this.record(() => this.ledger.finished(ref))
    const { file: _, ...summary } = end
    log.info('step finished', { ...fields, ...summary })
  }

  /** Attempts a previous run of the agent left unfinished: their processes died with it. */
  private closeInterrupted() {
    for (const ref of this.ledger.unfinished()) {
      const events = new AttemptEvents(this.deps.identity, ref, this.deps.outbox, this.deps.log)
      events.finished({
        ...resultOf('error', 'the agent restarted during this step'),
        duration_ms: Math.max(0, Date.now() - ref.started_at),
      })
      this.record(() => this.ledger.finished(ref))
      this.deps.log.warn('step interrupted by a restart of the agent', {
        run_id: ref.run_id,
        index: ref.index,
        attempt: ref.attempt,
      })
    }
  }

  /** A ledger that can't be written costs only the guard against a repeat, not the step's report. */
  private record(change: () => void) {
    try {
      change()
    } catch (error) {
      this.deps.log.error('could not record a step in the ledger', { error: errorMessage(error) })
    }
  }
}
