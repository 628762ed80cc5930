import { Command } from 'commander'
import { action, examples } from './action'
import { addExamples } from './command-examples'
import { registerAccess } from './commands/access'
import { registerAdmin } from './commands/admin'
import { registerAgentBuilds } from './commands/agent-builds'
import { registerAgents } from './commands/agents'
import { registerAlerts } from './commands/alerts'
import { registerEvents } from './commands/events'
import { registerFiles } from './commands/files'
import { registerIntegrations } from './commands/integrations'
import { registerInventory } from './commands/inventory'
import { registerLogin } from './commands/login'
import { registerResources } from './commands/resources'
import { registerRollouts } from './commands/rollouts'
import { registerRules } from './commands/rules'
import { registerRuns } from './commands/runs'
import { registerSchedules } from './commands/schedules'
import { registerSites } from './commands/sites'
import { registerTasks } from './commands/tasks'
import { startRepl } from './repl'
import { CLI_VERSION } from './version'

/**
 * The `sitewire` command tree; built afresh for each REPL line so no state leaks between
 * lines. Inside the REPL (`interactive`) a usage error throws rather than exiting.
 */
export const createProgram = (options: { interactive?: boolean } = {}) => {
  const program = new Command('sitewire')
    .description('Operate Sitewire from a terminal: sites, agents, tasks, runs, events, alerts and access.')
    .version(CLI_VERSION)
    .option('--url <url>', 'the platform (env SITEWIRE_URL; default: the current context)')
    .option('--context <name>', 'the context to use (env SITEWIRE_CONTEXT)')
    .option('--site <id>', 'the site site-scoped commands act on (env SITEWIRE_SITE)')
    .option('--json', 'print the API answer as JSON')
    .option('--yaml', 'print the API answer as YAML')
    .option('-q, --quiet', 'print only ids')
    .showHelpAfterError('(add --help for the commands and options)')
    .addHelpText(
      'after',
      [
        '',
        'Credentials: `sitewire login` keeps them per context in $XDG_CONFIG_HOME/sitewire/config.json',
        '(mode 0600); SITEWIRE_URL and SITEWIRE_KEY override them.',
        'Exit codes: 0 done, 1 refused or failed, 2 bad usage or input, 3 a followed run failed,',
        '4 a followed run was cancelled or skipped.',
      ].join('\n'),
    )
  if (options.interactive) program.exitOverride()
  registerLogin(program)
  registerSites(program)
  registerAgents(program)
  registerTasks(program)
  registerRuns(program)
  registerEvents(program)
  registerSchedules(program)
  registerFiles(program)
  registerAgentBuilds(program)
  registerRollouts(program)
  registerAlerts(program)
  registerIntegrations(program)
  registerInventory(program)
  registerRules(program)
  registerResources(program)
  registerAccess(program)
  registerAdmin(program)
  if (!options.interactive) {
    program
      .command('repl')
      .description('an interactive shell with history and completion of commands and ids')
      .addHelpText('after', examples('sitewire repl', 'sitewire --site 01J… repl'))
      .action(
        action(async (session) => {
          const globals = session.options
          // The shell's own choice of platform and site holds for every line.
          const globalArgs = [
            ...(globals.url ? ['--url', globals.url] : []),
            ...(globals.context ? ['--context', globals.context] : []),
            ...(globals.site ? ['--site', globals.site] : []),
          ]
          await startRepl(session, { createProgram: () => createProgram({ interactive: true }), globalArgs })
        }),
      )
  }
  addExamples(program)
  return program
}
