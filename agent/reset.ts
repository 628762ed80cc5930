import { existsSync, rmSync } from 'node:fs'
import type { AgentConfig } from './config'
import { AgentError } from './errors'
import { runningPid } from './lock'
import type { Logger } from './log'
import { statePaths } from './state-dir'

/**
 * Forgets the enrolment: key, identity, spool, what was reported and the steps run. The config
 * file and the secrets stay: they belong to the machine, not to its enrolment.
 */
export const reset = (config: AgentConfig, confirmed: boolean, log: Logger) => {
  if (!confirmed) {
    throw new AgentError(
      "reset deletes this agent's key, identity and unsent events; the platform will need a new enrolment. Run it with --yes",
    )
  }
  const paths = statePaths(config.state_dir)
  const pid = runningPid(paths.lock)
  if (pid !== undefined)
    throw new AgentError(`an agent (pid ${pid}) is running with this state directory: stop it first`)
  const removed = [
    paths.key,
    paths.identity,
    paths.spool,
    paths.facts,
    paths.status,
    paths.steps,
    paths.work,
  ].filter((path) => existsSync(path))
  for (const path of removed) rmSync(path, { recursive: true, force: true })
  log.info('reset', { state_dir: config.state_dir, removed })
}
