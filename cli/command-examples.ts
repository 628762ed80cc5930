import type { EventEmitter } from 'node:events'
import type { Command } from 'commander'
import { examples } from './action'

/** Examples for each command that does not show its own, by its path under `sitewire`. */
const EXAMPLES: Record<string, string[]> = {
  logout: ['sitewire logout', 'sitewire --context prod logout'],
  password: ['sitewire password'],
  whoami: ['sitewire whoami', 'sitewire --json whoami'],
  'context list': ['sitewire context list'],
  'context use': ['sitewire context use prod'],
  'context remove': ['sitewire context remove staging'],
  'sites list': [
    'sitewire sites list',
    'sitewire sites list --status archived',
    'sitewire -q sites list --label env=prod',
  ],
  'sites show': ['sitewire sites show', 'sitewire sites show 01J…'],
  'sites archive': ['sitewire sites archive 01J…'],
  'sites restore': ['sitewire sites restore 01J…'],
  'sites status': ['sitewire sites status', 'sitewire --json sites status 01J…'],
  'sites use': ['sitewire sites use 01J…'],
  'agents list': [
    'sitewire agents list --status pending',
    'sitewire agents list --all-sites --os linux --presence online',
  ],
  'agents show': ['sitewire agents show 01J…'],
  'agents facts': ['sitewire agents facts 01J…', 'sitewire --json agents facts 01J…'],
  'agents approve': ['sitewire agents approve 01J… --reason "rack r12, ticket 4321"'],
  'agents reject': ['sitewire agents reject 01J… --reason "unknown host"'],
  'agents revoke': ['sitewire agents revoke 01J… --reason "decommissioned"'],
  'agents refresh-facts': ['sitewire agents refresh-facts'],
  'tokens create': [
    'sitewire tokens create --label env=prod',
    'sitewire -q tokens create --uses 10 --expires-in 3600',
  ],
  'tokens list': ['sitewire tokens list'],
  'resources apply': [
    'sitewire resources apply -f motd.yaml',
    'cat resources.yaml | sitewire resources apply -f -',
  ],
  'resources get': ['sitewire resources get', 'sitewire --json resources get --all'],
  'resources describe': ['sitewire resources describe 01J…'],
  'resources delete': ['sitewire resources delete 01J…'],
  'resources consumers': ['sitewire resources consumers list'],
  'resources consumers list': ['sitewire resources consumers list'],
  'resources consumers create': [
    'sitewire resources consumers create web --selector role=web',
    'sitewire resources consumers create db-1 --agent 01J…',
  ],
  'tokens revoke': ['sitewire tokens revoke 01J…'],
  'tasks list': ['sitewire tasks list', 'sitewire tasks list --search restart --label team=web'],
  'tasks show': ['sitewire tasks show "Restart web"', 'sitewire --json tasks show 01J…'],
  'tasks update': ['sitewire tasks update "Restart web" -f restart-web.yaml'],
  'tasks delete': ['sitewire tasks delete "Restart web"'],
  'tasks versions': ['sitewire tasks versions "Restart web"'],
  'tasks diff': [
    'sitewire tasks diff "Restart web"            # the last two versions',
    'sitewire tasks diff 01J… 1 3',
  ],
  'tasks clone': ['sitewire tasks clone "Restart web" --name "Restart api" --label team=api'],
  'runs list': [
    'sitewire runs list --status failed',
    'sitewire runs list --all-sites --agent 01J… --since 2026-12-01T00:00:00Z',
  ],
  'runs show': ['sitewire runs show 01J…'],
  'runs cancel': ['sitewire runs cancel 01J…'],
  'runs rerun': ['sitewire runs rerun 01J… --follow', 'sitewire runs rerun 01J… --every-agent --from-step 2'],
  'events list': [
    'sitewire events list --after 0 --limit 50',
    'sitewire events list --all-sites --type com.example.deploy.finished',
  ],
  'events tail': ['sitewire events tail', 'sitewire --json events tail --after 0 --count 10'],
  'events send': [
    'sitewire events send --type com.example.deploy.finished --source /ci --data \'{"ok":true}\'',
    'sitewire events send -f events.yaml',
  ],
  'schedules list': ['sitewire schedules list --task 01J…'],
  'schedules show': ['sitewire schedules show 01J…'],
  'schedules create': ['sitewire schedules create -f nightly.yaml'],
  'schedules update': ["echo 'paused: true' | sitewire schedules update 01J… -f -"],
  'schedules pause': ['sitewire schedules pause 01J…'],
  'schedules resume': ['sitewire schedules resume 01J…'],
  'schedules delete': ['sitewire schedules delete 01J…'],
  'files list': ['sitewire files list'],
  'files show': ['sitewire files show 01J…'],
  'files push': [
    'sitewire files push ./nginx.conf',
    'sitewire files push ./build.tar.gz --name app-1.2.tar.gz',
  ],
  'files pull': ['sitewire files pull 01J… -o nginx.conf'],
  'files delete': ['sitewire files delete 01J…'],
  'alerts list': [
    'sitewire alerts list --status firing --severity critical',
    'sitewire alerts list --label service=api --label env=prod -s latency',
    'sitewire alerts list --all-sites --status firing --since 2026-12-01T00:00:00Z',
  ],
  'alerts get': ['sitewire alerts get 01J…', 'sitewire --json alerts get 01J…'],
  'alerts history': ['sitewire alerts history 01J…'],
  'alerts ack': ['sitewire alerts ack 01J… --note "rolling back"'],
  'alerts resolve': ['sitewire alerts resolve 01J…'],
  'alerts counts': [
    'sitewire alerts counts --status firing',
    'sitewire alerts counts --group-by alertname,service',
  ],
  'silences list': ['sitewire silences list'],
  'silences create': [
    "sitewire silences create --match service=api --match 'instance=~web-.*' --for 2h --comment 'kernel upgrade'",
    'sitewire silences create --match env=staging --ends-at 2026-12-31T00:00:00Z --cron "0 2 * * 6" --window 2h --timezone Europe/Paris',
  ],
  'silences delete': ['sitewire silences delete 01J…'],
  'integrations list': ['sitewire integrations list'],
  'integrations get': ['sitewire integrations get 01J…'],
  'integrations create': [
    'sitewire integrations create --name prometheus --kind alertmanager',
    'sitewire integrations create --name dd --kind datadog --fingerprint-label host',
    'sitewire -q integrations create --name ci --kind webhook --signing github   # prints only the secret',
  ],
  'integrations update': [
    'sitewire integrations update 01J… --name prometheus-eu',
    'sitewire integrations update 01J… --kind grafana --hmac',
    'sitewire integrations update 01J… --tenant-wide --route lyon=01J… --unroute par --fallback-site none',
  ],
  'integrations rotate-secret': ['sitewire integrations rotate-secret 01J…'],
  'integrations retire-secret': ['sitewire integrations retire-secret 01J…'],
  'integrations delete': ['sitewire integrations delete 01J…'],
  'integrations deliveries': [
    'sitewire integrations deliveries 01J…',
    'sitewire --json integrations deliveries 01J… --all',
    'sitewire integrations deliveries 01J… --tenant-wide --outcome unrouted',
  ],
  'integrations refusals': ['sitewire integrations refusals 01J…'],
  'rules list': ['sitewire rules list'],
  'rules get': ['sitewire rules get 01J…'],
  'rules create': [
    'sitewire rules create --name "Restart web" -e \'alert.labels.alertname == "HighLatency"\' --run-task "Restart web" --target-label instance -p host=\'{{ alert.labels.instance }}\'',
    'sitewire rules create --name "Close info" -e \'alert.severity == "info"\' --resolve',
    'sitewire rules create --name "Page ops" -e \'alert.severity == "critical"\' --notify https://hooks.slack.com/services/… --notify-format slack',
    'sitewire rules create -f rule.yaml',
  ],
  'rules update': [
    'sitewire rules update 01J… --disable',
    'sitewire rules update 01J… -e \'alert.severity == "critical"\'',
  ],
  'rules delete': ['sitewire rules delete 01J…'],
  'rules versions': ['sitewire rules versions 01J…', 'sitewire --json rules versions 01J…'],
  'rules backtest': [
    'sitewire rules backtest 01J… --last 24h',
    'sitewire rules backtest 01J… --last 7d -e \'alert.labels.service == "web"\'',
    'sitewire rules backtest -f rule.json --since 2026-12-01T00:00:00Z --until 2026-12-02T00:00:00Z',
  ],
  'rules triggers': [
    'sitewire rules triggers 01J…',
    'sitewire -q rules triggers 01J…   # the runs it started',
  ],
  'users list': ['sitewire users list'],
  'users show': ['sitewire users show 01J…'],
  'users create': [
    'sitewire users create --email ana@example.com --name Ana --role operator',
    'pass ana | sitewire users create --email ana@example.com --name Ana --password-stdin',
  ],
  'users reset-password': ['sitewire users reset-password 01J…'],
  'users update': ['sitewire users update 01J… --disable', 'sitewire users update 01J… --name "Ana B."'],
  'teams list': ['sitewire teams list'],
  'teams show': ['sitewire teams show 01J…'],
  'teams delete': ['sitewire teams delete 01J…'],
  'teams create': ['sitewire teams create SRE'],
  'teams rename': ['sitewire teams rename 01J… "Site reliability"'],
  'teams add-member': ['sitewire teams add-member <team id> <user id>'],
  'teams remove-member': ['sitewire teams remove-member <team id> <user id>'],
  'grants list': ['sitewire grants list'],
  'grants show': ['sitewire grants show 01J…'],
  'grants revoke': ['sitewire grants revoke 01J…'],
  'grants create': ['sitewire grants create --team 01J… --role operator --on-site 01J…'],
  'keys list': ['sitewire keys list'],
  'keys show': ['sitewire keys show 01J…'],
  'keys revoke': ['sitewire keys revoke 01J…'],
  'keys create': ['sitewire -q keys create --name ci --role operator   # prints only the secret'],
}

/** The path of a command under the root, such as `sites list`. */
export const commandPath = (command: Command): string =>
  command.parent?.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name()

/** Adds its examples to every command in the tree that has no help text of its own after its options. */
export const addExamples = (program: Command) => {
  const visit = (command: Command) => {
    for (const sub of command.commands) {
      const lines = EXAMPLES[commandPath(sub)]
      // A Command is an EventEmitter; help text added after the options is an `afterHelp` listener.
      if (lines && (sub as unknown as EventEmitter).listenerCount('afterHelp') === 0)
        sub.addHelpText('after', examples(...lines))
      visit(sub)
    }
  }
  visit(program)
}
