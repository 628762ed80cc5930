import type { Command } from 'commander'
import { pc } from './colours'
import { CliError, EXIT } from './errors'
import { defaultStreams, type Session, sessionOf } from './session'

/** What an action receives: its session, positional arguments and its own options. */
export type Handler<O = Record<string, unknown>> = (
  session: Session,
  args: string[],
  options: O,
) => Promise<void>

/** Wraps a handler for commander: builds the session, and turns any failure into a message and an exit code. */
export const action =
  <O extends object = Record<string, unknown>>(handler: Handler<O>) =>
  async (...received: unknown[]) => {
    const command = received.at(-1) as Command
    const session = sessionOf(command)
    try {
      await handler(session, command.args, command.opts() as O)
    } catch (error) {
      reportFailure(error)
    }
  }

/** Prints a failure as `error: message` and its details, and sets the exit code. */
export const reportFailure = (error: unknown, streams = defaultStreams) => {
  const failure =
    error instanceof CliError ? error : new CliError((error as Error).message ?? String(error), EXIT.failure)
  streams.err.write(`${pc.red('error:')} ${failure.message}\n`)
  for (const detail of failure.details) streams.err.write(`  ${detail}\n`)
  process.exitCode = failure.exitCode
}

/** Help text listing examples, shown after a command's options. */
export const examples = (...lines: string[]) =>
  `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`
