import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { commandPath } from './command-examples'
import { addShellCompletion } from './completion'
import { createProgram } from './program'

const everyCommand = (command: Command): Command[] =>
  command.commands.flatMap((sub) => [sub, ...everyCommand(sub)])

const helpOf = (command: Command) => {
  let text = ''
  command.configureOutput({ writeOut: (chunk) => (text += chunk) })
  command.outputHelp()
  return text
}

describe('--help', () => {
  it('shows examples on every command', () => {
    const program = createProgram()
    addShellCompletion(program)
    const visible = everyCommand(program).filter((command) => command.name() !== 'complete')
    expect(visible.length).toBeGreaterThan(80)
    const without = visible.filter((command) => !helpOf(command).includes('\nExamples:\n  $ '))
    expect(without.map(commandPath)).toEqual([])
  })
})
