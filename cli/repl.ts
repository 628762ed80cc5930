import { existsSync } from 'node:fs'
import { appendFile, chmod, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { type Command, CommanderError } from 'commander'
import { reportFailure } from './action'
import { pc } from './colours'
import { ReplCompleter, wordsOf } from './repl-completer'
import type { Session } from './session'

/** Lines of history kept across sessions. */
const HISTORY_SIZE = 1000

const historyPath = (session: Session) => join(session.configDir, 'history')

const loadHistory = async (session: Session) => {
  const path = historyPath(session)
  if (!existsSync(path)) return []
  const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean)
  // readline wants the newest first.
  return lines.slice(-HISTORY_SIZE).reverse()
}

const remember = async (session: Session, line: string) => {
  await mkdir(session.configDir, { recursive: true, mode: 0o700 })
  await appendFile(historyPath(session), `${line}\n`, { mode: 0o600 })
  await chmod(historyPath(session), 0o600)
}

/**
 * An interactive shell: each line is a `sitewire` command (without the word sitewire), run in
 * a fresh command tree so nothing leaks between lines. History persists in the config
 * directory; Tab completes commands, options and the ids of what the API lists.
 */
export const startRepl = async (
  session: Session,
  { createProgram, globalArgs }: { createProgram: () => Command; globalArgs: string[] },
) => {
  const completer = new ReplCompleter(createProgram(), session)
  const terminal = Boolean(process.stdin.isTTY)
  const target = await session.resolve()
  const history = await loadHistory(session)
  // Nothing may be awaited between here and the loop: piped lines read meanwhile would be lost.
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal,
    history,
    historySize: HISTORY_SIZE,
    completer: (line: string, callback: (error: Error | null, result: [string[], string]) => void) => {
      completer.complete(line).then(
        (result) => callback(null, result),
        () => callback(null, [[], line]),
      )
    },
  })
  if (terminal) {
    session.printer.note(
      `Sitewire ${target.url ?? '(no platform: use login)'}${target.site ? `, site ${target.site}` : ''}. ` +
        'Type a command (help lists them), Tab completes, exit or Ctrl-D leaves.',
    )
  }
  // Piped lines get no prompt, so a script's output is only the commands' own.
  rl.setPrompt(terminal ? pc.bold('sitewire> ') : '')
  rl.prompt()
  for await (const line of rl) {
    const trimmed = line.trim()
    if (trimmed === 'exit' || trimmed === 'quit') break
    if (trimmed !== '') {
      await remember(session, trimmed)
      await runLine(createProgram(), globalArgs, trimmed)
    }
    rl.prompt()
  }
  rl.close()
}

/** Runs one line as a command; the REPL goes on whatever happens, showing a failure's exit code. */
const runLine = async (program: Command, globalArgs: string[], line: string) => {
  const words = wordsOf(line)
  try {
    await program.parseAsync([...globalArgs, ...(words[0] === 'sitewire' ? words.slice(1) : words)], {
      from: 'user',
    })
  } catch (error) {
    // Commander has printed its own message (or the help it was asked for).
    if (error instanceof CommanderError) process.exitCode = error.exitCode
    else reportFailure(error)
  }
  if (process.exitCode) process.stderr.write(pc.dim(`(exit ${process.exitCode})\n`))
  process.exitCode = 0
}
