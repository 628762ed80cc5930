import { existsSync } from 'node:fs'
import type { AgentConfig } from './config'
import { type Identity, readIdentity } from './identity'
import { runningPid } from './lock'
import { inspectSpool, type SpoolStats } from './spool'
import { statePaths } from './state-dir'
import { type RunStatus, readRunStatus } from './status-file'

export interface StatusReport {
  state_dir: string
  config_file: { path: string; present: boolean }
  enrolled: boolean
  identity: Identity | null
  /** The pid of the agent running with this state directory. */
  running_pid: number | null
  /** As the running agent last wrote it; left by the last run when none is running. */
  connection: RunStatus | null
  spool: SpoolStats
}

/** Everything `status` shows, read from the state directory alone. */
export const readStatus = (config: AgentConfig): StatusReport => {
  const paths = statePaths(config.state_dir)
  const identity = readIdentity(paths) ?? null
  return {
    state_dir: config.state_dir,
    config_file: { path: config.config_path, present: existsSync(config.config_path) },
    enrolled: identity !== null,
    identity,
    running_pid: runningPid(paths.lock) ?? null,
    connection: readRunStatus(paths.status) ?? null,
    spool: inspectSpool(paths.spool),
  }
}

const describeConnection = (report: StatusReport) => {
  const last = report.connection
  if (!last) return report.running_pid === null ? 'not running' : `starting, pid ${report.running_pid}`
  const approval = last.agent_status ? ` (agent ${last.agent_status})` : ''
  const error = last.last_error ? `: ${last.last_error}` : ''
  const state = `${last.state} since ${last.since}${approval}${error}`
  return report.running_pid === null ? `not running; last ${state}` : `${state}, pid ${report.running_pid}`
}

/** The report for a person at a terminal. */
export const formatStatus = (report: StatusReport): string => {
  const { identity, spool } = report
  const rows: [string, string][] = [
    ['state dir', report.state_dir],
    ['config file', `${report.config_file.path}${report.config_file.present ? '' : ' (none)'}`],
    ['enrolled', identity ? `yes, at ${identity.enrolled_at}` : 'no'],
    ...(identity
      ? ([
          ['platform', identity.url],
          ['site', identity.site_id],
          ['agent', identity.agent_id],
        ] as [string, string][])
      : []),
    ['connection', describeConnection(report)],
    ['spool', `${spool.count} events, ${spool.bytes} bytes, ${spool.dropped} dropped`],
  ]
  const width = Math.max(...rows.map(([label]) => label.length)) + 2
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}\n`).join('')
}
