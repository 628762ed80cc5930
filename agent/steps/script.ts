import { type SpawnOptions, spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import type { Interpreter, ScriptStep } from '../../schema/tasks/steps'
import type { StepContext } from './context'
import { stopGroup } from './process-group'
import { resultOf, StepProblem, type StepResult } from './result'
import { writeScriptFile } from './script-file'
import { lookUpUser, type SystemUser } from './users'

interface Launcher {
  command: string
  /** `pwsh -File` runs only files named `.ps1`. */
  extension: string
  options: string[]
  env?: Record<string, string>
}

const LAUNCHERS: Record<Interpreter, Launcher> = {
  sh: { command: 'sh', extension: '.sh', options: [] },
  bash: { command: 'bash', extension: '.sh', options: [] },
  // Python buffers a pipe's output until exit; the operator watches it live.
  python3: { command: 'python3', extension: '.py', options: [], env: { PYTHONUNBUFFERED: '1' } },
  // `.js`: Node runs it as CommonJS or as a module, as its syntax says.
  node: { command: 'node', extension: '.js', options: [] },
  pwsh: {
    command: 'pwsh',
    extension: '.ps1',
    options: ['-NoLogo', '-NoProfile', '-NonInteractive', '-File'],
  },
}

/** A missing working directory would otherwise surface as a missing interpreter. */
const checkDirectory = (cwd: string) => {
  let isDirectory: boolean
  try {
    isDirectory = statSync(cwd).isDirectory()
  } catch {
    throw new StepProblem('error', `the working directory ${cwd} does not exist`)
  }
  if (!isDirectory) throw new StepProblem('error', `the working directory ${cwd} is not a directory`)
}

const environment = (
  step: ScriptStep,
  launcher: Launcher,
  ctx: StepContext,
  user: SystemUser | undefined,
) => ({
  ...process.env,
  ...(user && { HOME: user.home, USER: user.name, LOGNAME: user.name }),
  ...launcher.env,
  // So a script can tell a retry from a first attempt.
  SITEWIRE_RUN_ID: ctx.ref.run_id,
  SITEWIRE_STEP_INDEX: String(ctx.ref.index),
  SITEWIRE_STEP_ATTEMPT: String(ctx.ref.attempt),
  ...step.env,
})

const failedToStart = (launcher: Launcher, error: NodeJS.ErrnoException) =>
  new StepProblem(
    'error',
    error.code === 'ENOENT'
      ? `the interpreter ${launcher.command} is not installed on this machine (not found on PATH)`
      : `could not start ${launcher.command}: ${error.message}`,
  )

/**
 * Runs a script step: its body in a private file, run by its interpreter with its arguments,
 * environment and working directory, as `run_as` if given (root only). The process leads a
 * group of its own, so stopping it (timeout, cancel, agent shutdown) ends its children too.
 */
export const runScript = async (step: ScriptStep, ctx: StepContext): Promise<StepResult> => {
  const launcher = LAUNCHERS[step.interpreter]
  const user = step.run_as ? await lookUpUser(step.run_as, `run_as ${step.run_as}`) : undefined
  if (step.cwd) checkDirectory(step.cwd)
  // Stopped while the user was looked up: the runner says why.
  if (ctx.signal.aborted) return resultOf('cancelled', null)
  const script = writeScriptFile(step.body, launcher.extension, ctx.workDir, user)
  try {
    const options: SpawnOptions = {
      cwd: step.cwd,
      env: environment(step, launcher, ctx, user),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user && { uid: user.uid, gid: user.gid }),
    }
    const child = spawn(launcher.command, [...launcher.options, script.path, ...step.args], options)
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => child.on('error', resolve))
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    )
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
    const { pid } = child
    if (pid === undefined) throw failedToStart(launcher, await failed)
    ctx.started(pid)
    child.stdout?.on('data', (data: Buffer) => ctx.output.write('stdout', data))
    child.stderr?.on('data', (data: Buffer) => ctx.output.write('stderr', data))

    let stopping: Promise<void> | undefined
    const stop = () => {
      stopping = stopGroup(pid, ctx.timing.killGraceMs)
    }
    ctx.signal.addEventListener('abort', stop, { once: true })
    const [code, signal] = await exited
    await stopping
    ctx.signal.removeEventListener('abort', stop)
    const drain = setTimeout(() => {
      child.stdout?.destroy()
      child.stderr?.destroy()
    }, ctx.timing.drainMs)
    await closed
    clearTimeout(drain)

    if (code === 0) return { outcome: 'succeeded', exit_code: 0, signal: null, message: null }
    if (signal) return { outcome: 'failed', exit_code: null, signal, message: `killed by ${signal}` }
    return { outcome: 'failed', exit_code: code, signal: null, message: `exited with code ${code}` }
  } finally {
    script.remove()
  }
}
