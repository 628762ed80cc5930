import { existsSync } from 'node:fs'
import { Command, Option } from 'commander'
import { type AgentConfig, type ConfigFlags, resolveConfig } from './config'
import { enrol } from './enrol'
import { AgentError, EXIT_FAILURE, EXIT_REFUSED, EXIT_UPGRADED } from './errors'
import { createLogger, errorMessage, LOG_LEVELS, type Logger } from './log'
import { reset } from './reset'
import { startAgent } from './run'
import { ensureStateDir, statePaths } from './state-dir'
import { formatStatus, readStatus } from './status'
import { readSecretValue } from './steps/secret-input'
import { SecretStore } from './steps/secrets'
import { buildFiles } from './upgrade/build-files'
import { SUPERVISED_ENV, supervise } from './upgrade/supervisor'
import { UpgradeStateFile } from './upgrade/upgrade-state'
import { AGENT_VERSION } from './version'

const collect = (value: string, previous: string[] = []) => [...previous, value]

interface CommandContext {
  config: AgentConfig
  log: Logger
  /** The command's own options and arguments. */
  options: Record<string, unknown>
  args: string[]
}

/** Resolves the configuration, runs the command, and turns a failure into a log line and an exit code. */
const action =
  (run: (context: CommandContext) => Promise<void>) =>
  async (...received: unknown[]) => {
    const command = received.at(-1) as Command
    let log = createLogger('info')
    try {
      const config = resolveConfig(command.optsWithGlobals<ConfigFlags>())
      log = createLogger(config.log_level)
      await run({ config, log, options: command.opts(), args: command.args })
    } catch (error) {
      log.error(errorMessage(error))
      process.exitCode = error instanceof AgentError ? error.exitCode : EXIT_FAILURE
    }
  }

const program = new Command('sitewire-agent')
  .description(
    'Reports this machine to Sitewire and runs the task steps it sends, over an outbound WebSocket, spooling events on disk while offline.',
  )
  .version(AGENT_VERSION)
  .option('--config <path>', 'config file (default: <state dir>/agent.json)')
  .option('--state-dir <dir>', 'where the key, identity, secrets and spool live')
  .option('--url <url>', 'platform base URL, instead of the one enrolment used')
  .option('--label <key=value>', 'a label of this machine; repeat for more', collect)
  .option('--facts-interval <seconds>', 'how often to refresh facts (default: as the platform says)')
  .option('--resources-interval <seconds>', 'how often to check resources for drift (default: 30)')
  .option('--systemctl <path>', 'the systemctl SystemdUnit resources run (default: systemctl)')
  .option(
    '--systemd-unit-dir <dir>',
    'where SystemdUnit resources write unit files (default: /etc/systemd/system)',
  )
  .option('--spool-max-bytes <bytes>', 'size cap of the spool; the oldest events go first (default: 64 MiB)')
  .addOption(new Option('--log-level <level>', 'least level logged (default: info)').choices(LOG_LEVELS))
  .configureHelp({ showGlobalOptions: true })
  .addHelpText(
    'after',
    [
      '',
      'Settings: defaults < config file < SITEWIRE_AGENT_* environment variables < options.',
      'Secrets: steps refer to {{ secrets.NAME }}; this machine keeps the values (see "secrets --help").',
      'Exit codes: 0 done, 1 failed, 3 refused by the platform (agent rejected or revoked).',
      'Upgrades: builds the platform sends are checked, kept in <state dir>/builds and run by "run", which rolls back one that does not connect.',
    ].join('\n'),
  )

program
  .command('enrol')
  .description('enrol this machine with an enrolment token from Sitewire')
  .argument('<token>', 'the enrolment token')
  .action(
    action(async ({ config, log, args: [token = ''] }) => {
      await enrol(token, config, log)
    }),
  )

program
  .command('run')
  .description(
    'connect to the platform, report and run the steps it sends until stopped (SIGINT or SIGTERM, which stop running steps too)',
  )
  .action(
    action(async ({ config, log }) => {
      const paths = statePaths(config.state_dir)
      const supervisor = {
        files: buildFiles(paths.builds),
        state: new UpgradeStateFile(paths.upgrade),
        installed: { file: process.argv[1] ?? '', nodeArgs: process.execArgv },
        args: process.argv.slice(2),
        log,
      }
      const supervised = process.env[SUPERVISED_ENV] === '1'
      // Once upgraded, the installed program only runs the current build and watches over it.
      if (!supervised && existsSync(supervisor.files.current)) process.exit(await supervise(supervisor))
      // A supervisor that dies, even by SIGKILL, takes its agent with it.
      if (supervised) process.once('disconnect', () => process.exit(EXIT_FAILURE))
      const agent = await startAgent({ config, log })
      const stop = () => void agent.stop()
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
      const end = await agent.done
      if (end.reason === 'upgraded') {
        if (supervised) process.exit(EXIT_UPGRADED)
        process.removeListener('SIGINT', stop)
        process.removeListener('SIGTERM', stop)
        process.exit(await supervise(supervisor))
      }
      // A hung probe (such as a stuck network mount) must not keep a stopped agent alive.
      process.exit(end.reason === 'refused' ? EXIT_REFUSED : 0)
    }),
  )

program
  .command('status')
  .description('show the enrolment, the connection of the running agent, and the spool')
  .option('--json', 'print JSON')
  .action(
    action(async ({ config, options }) => {
      const report = readStatus(config)
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report))
    }),
  )

program
  .command('reset')
  .description("forget the enrolment: delete this agent's key, identity, spool and record of steps run")
  .option('--yes', 'confirm')
  .action(
    action(async ({ config, log, options }) => {
      reset(config, options.yes === true, log)
    }),
  )

const secrets = program
  .command('secrets')
  .description(
    'the secrets steps refer to as {{ secrets.NAME }}: kept in <state dir>/secrets.json (mode 0600), never sent; output masks their values',
  )
const secretStore = (config: AgentConfig) => {
  ensureStateDir(config.state_dir)
  return new SecretStore(statePaths(config.state_dir).secrets)
}

secrets
  .command('set')
  .description(
    'store a secret; its value (at least 4 characters) is typed at a hidden prompt, or piped in: sitewire-agent secrets set NAME < file',
  )
  .argument('<name>', 'letters, digits and _, not starting with a digit')
  .action(
    action(async ({ config, log, args: [name = ''] }) => {
      const store = secretStore(config)
      store.set(name, await readSecretValue(process.stdin, process.stderr, `value of ${name}`))
      log.info('secret set', { name, file: statePaths(config.state_dir).secrets })
    }),
  )

secrets
  .command('list')
  .description('print the names of the stored secrets, one a line (never their values)')
  .action(
    action(async ({ config }) => {
      const names = new SecretStore(statePaths(config.state_dir).secrets).names()
      process.stdout.write(names.map((name) => `${name}\n`).join(''))
    }),
  )

secrets
  .command('unset')
  .description('forget a secret')
  .argument('<name>', 'the secret to forget')
  .action(
    action(async ({ config, log, args: [name = ''] }) => {
      if (!new SecretStore(statePaths(config.state_dir).secrets).unset(name))
        throw new AgentError(`there is no secret ${name}`)
      log.info('secret unset', { name })
    }),
  )

await program.parseAsync()
