import tab from '@bomb.sh/tab/commander'
import type { Command } from 'commander'
import { examples } from './action'

/**
 * Adds `sitewire completion bash|zsh|fish|powershell`, which prints a script that asks
 * `sitewire complete -- <words>` for the commands and options that fit what is typed.
 */
export const addShellCompletion = (program: Command) => {
  tab(program, { completionCommandName: 'completion' })
  program.commands
    .find((command) => command.name() === 'completion')
    ?.description('print a shell completion script for bash, zsh, fish or powershell')
    .addHelpText(
      'after',
      examples(
        'source <(sitewire completion bash)                       # in ~/.bashrc',
        'sitewire completion zsh > ~/.zfunc/_sitewire                # with fpath+=(~/.zfunc)',
        'sitewire completion fish > ~/.config/fish/completions/sitewire.fish',
      ),
    )
}
