import { AGENT_VERSION_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION } from '../schema/agent/protocol'
import type { AgentConfig } from './config'
import { type ConnectionEnd, type ConnectionOptions, openConnection } from './connection'
import { ConnectorScheduler } from './connectors/connector-scheduler'
import { AgentError } from './errors'
import { collectFacts } from './facts/collect'
import { FactsReporter } from './facts-reporter'
import { baseUrl, connectPath, connectUrl, type Identity, readIdentity } from './identity'
import { readPrivateKey } from './keys'
import { acquireLock } from './lock'
import type { Logger } from './log'
import { Outbox } from './outbox'
import { ResourceKeeper } from './resources/resource-keeper'
import { storedFilesOf } from './resources/stored-files'
import { systemdSettingsOf } from './resources/systemd-unit-applier'
import { AgentSession } from './session'
import { Spool } from './spool'
import { statePaths } from './state-dir'
import { StatusFile } from './status-file'
import type { StepTiming } from './steps/context'
import { StepRunner } from './steps/runner'
import { SecretStore } from './steps/secrets'
import { signAgentToken } from './token'
import { buildFiles } from './upgrade/build-files'
import { TrustedKeyFile } from './upgrade/trusted-key'
import { UpgradeStateFile } from './upgrade/upgrade-state'
import { Upgrader } from './upgrade/upgrader'
import { AGENT_VERSION } from './version'

/** Until the platform's welcome says otherwise. */
const DEFAULT_FACTS_INTERVAL_SECONDS = 300

/** Why the agent stopped: asked to, refused by the platform, or to start again on a new build. */
export type AgentEnd = ConnectionEnd | { reason: 'upgraded' }

export interface RunningAgent {
  /** Settles when the agent has stopped, because asked to, refused, or upgraded. */
  done: Promise<AgentEnd>
  stop: () => Promise<AgentEnd>
}

export interface RunOptions {
  config: AgentConfig
  log: Logger
  /** Timing of the connection, for tests. */
  connection?: Pick<ConnectionOptions, 'backoff' | 'pingIntervalMs' | 'stableAfterMs'>
  /** How steps are stopped, for tests. */
  steps?: Partial<StepTiming>
}

const requireIdentity = (config: AgentConfig): Identity => {
  const identity = readIdentity(statePaths(config.state_dir))
  if (identity) return identity
  throw new AgentError(
    `not enrolled (state directory ${config.state_dir}); run "sitewire-agent enrol TOKEN" first`,
  )
}

/**
 * Runs the agent: reports facts through the spool, runs the steps the platform sends, keeps
 * the connection to the platform and replays the spool on it, keeps `status.json` current.
 * One agent per state directory.
 */
export const startAgent = async ({
  config,
  log,
  connection: timing,
  steps: stepTiming,
}: RunOptions): Promise<RunningAgent> => {
  const paths = statePaths(config.state_dir)
  const identity = requireIdentity(config)
  const releaseLock = acquireLock(paths.lock)
  try {
    const key = await readPrivateKey(paths.key)
    const spool = Spool.open(paths.spool, { maxBytes: config.spool_max_bytes })
    const url = connectUrl(identity, config.url)
    const outbox = new Outbox(spool, log)
    const status = new StatusFile(paths.status, { connect_url: url, events: { ...outbox.counters } })
    const collect = () => collectFacts({ labels: config.labels }, log)
    const reporter = new FactsReporter({ identity, outbox, collect, baselinePath: paths.facts, log })
    const transfer = {
      baseUrl: baseUrl(config.url ?? identity.url),
      sign: (path: string) => signAgentToken(key, identity, path),
    }
    const steps = new StepRunner({ identity, outbox, paths, log, timing: stepTiming, transfer })
    let upgraded = false
    const upgrader = new Upgrader({
      identity,
      outbox,
      state: new UpgradeStateFile(paths.upgrade),
      trustedKey: new TrustedKeyFile(paths.signingKey, log),
      files: buildFiles(paths.builds),
      transfer,
      log,
      restart: () => {
        upgraded = true
        connection.stop()
      },
    })
    const resources = new ResourceKeeper({
      identity,
      outbox,
      path: paths.resources,
      log,
      storedFiles: storedFilesOf(transfer, identity.site_id),
      ...(config.resources_interval_seconds ? { intervalMs: config.resources_interval_seconds * 1000 } : {}),
      systemd: systemdSettingsOf(config),
    })
    const secretStore = new SecretStore(paths.secrets)
    const connectors = new ConnectorScheduler({
      identity,
      outbox,
      path: paths.connectors,
      secrets: () => secretStore.read(),
      log,
    })
    const session = new AgentSession({
      identity,
      spool,
      outbox,
      reporter,
      status,
      steps,
      resources,
      connectors,
      upgrader,
      log,
      factsIntervalSeconds: config.facts_interval_seconds,
    })
    const connection = openConnection({
      url,
      log,
      ...timing,
      headers: async () => ({
        authorization: `Bearer ${await signAgentToken(key, identity, connectPath(identity.site_id))}`,
        [AGENT_VERSION_HEADER]: AGENT_VERSION,
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      }),
      onOpen: (send) => session.opened(send),
      onMessage: (message) => session.received(message),
      onClose: () => session.closed(),
    })
    log.info('agent started', {
      agent_id: identity.agent_id,
      site_id: identity.site_id,
      url,
      version: AGENT_VERSION,
    })
    void reporter.report()
    // The resources kept on disk are kept true from the start, connected or not.
    resources.start()
    // So do the cloud connectors: they sync on schedule offline, their reports spooled.
    connectors.start()
    reporter.every(config.facts_interval_seconds ?? DEFAULT_FACTS_INTERVAL_SECONDS)

    const done = connection.done.then(async (end): Promise<AgentEnd> => {
      await reporter.stop()
      // Their last events go to the spool, which the next run replays.
      await steps.stop()
      await resources.stop()
      await connectors.stop()
      spool.close()
      if (end.reason === 'refused') {
        status.update({ state: 'refused', last_error: end.message })
        log.error('the platform refused this agent; not retrying', { message: end.message })
      } else {
        status.update({ state: 'stopped' })
        log.info(upgraded ? 'agent stopped to start again on its new build' : 'agent stopped')
      }
      releaseLock()
      return upgraded ? { reason: 'upgraded' } : end
    })
    return {
      done,
      stop: () => {
        connection.stop()
        return done
      },
    }
  } catch (error) {
    releaseLock()
    throw error
  }
}
