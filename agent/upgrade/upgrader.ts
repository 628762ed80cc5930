import { createHash } from 'node:crypto'
import { buildSignatureProblem } from '../../schema/agent/build-signature'
import type { ServerMessage } from '../../schema/agent/protocol'
import { upgradeFailed } from '../frames'
import type { Identity } from '../identity'
import { errorMessage, type Logger } from '../log'
import type { Outbox } from '../outbox'
import type { Transfer } from '../steps/context'
import { authorizedRequest, describeResponse } from '../steps/transfer'
import { AGENT_VERSION } from '../version'
import { type BuildFiles, swapIn } from './build-files'
import type { TrustedKeyFile } from './trusted-key'
import type { FailedUpgrade, UpgradeStateFile } from './upgrade-state'

export type UpgradeMessage = Extract<ServerMessage, { type: 'upgrade' }>

export interface UpgraderDeps {
  identity: Identity
  outbox: Pick<Outbox, 'submit'>
  state: UpgradeStateFile
  trustedKey: TrustedKeyFile
  files: BuildFiles
  transfer: Transfer
  log: Logger
  /** The new build is in place: stop, and start again on it. */
  restart: () => void
}

/** A build this agent will not run: reported with its message, not logged as an error. */
class Refusal extends Error {}

/**
 * Upgrades the agent when the platform says so: downloads the build, checks its SHA-256 and
 * its signature with the trusted key, swaps it in beside the current one and restarts. It
 * refuses, and reports why, any build that is unsigned, signed by another key, or not the
 * bytes announced. Once welcomed, it confirms an upgrade that came back and reports those
 * that did not.
 */
export class Upgrader {
  private busy = false

  constructor(private readonly deps: UpgraderDeps) {}

  async upgrade(message: UpgradeMessage): Promise<void> {
    const { state, log } = this.deps
    const { build } = message
    if (this.busy || state.read().pending) return
    const failedBefore = state.read().failed_builds.find((entry) => entry.build_id === build.id)
    if (failedBefore) return this.refuse(message, `this build failed here before: ${failedBefore.reason}`)
    if (build.version === AGENT_VERSION) {
      log.info('already running this version', { version: build.version })
      return
    }
    this.busy = true
    try {
      const content = await this.checkedBuild(message)
      state.update((current) => ({
        ...current,
        pending: {
          rollout_id: message.rollout_id,
          build_id: build.id,
          version: build.version,
          from_version: AGENT_VERSION,
          deadline_ms: Date.now() + message.healthy_within_seconds * 1000,
        },
      }))
      swapIn(this.deps.files, content)
      log.info('upgrading: restarting on the new build', { from: AGENT_VERSION, to: build.version })
      this.deps.restart()
    } catch (error) {
      this.busy = false
      if (!(error instanceof Refusal)) log.warn('upgrade failed', { error: errorMessage(error) })
      return this.refuse(message, errorMessage(error))
    }
  }

  /** Connected: an upgrade that brought this version here is done; failures wait no longer to be reported. */
  welcomed() {
    const { state, outbox, identity, log } = this.deps
    const { pending, unreported } = state.read()
    if (pending?.version === AGENT_VERSION) {
      log.info('upgrade confirmed', { from: pending.from_version, to: pending.version })
      state.update((current) => ({ ...current, pending: null }))
    }
    if (unreported.length === 0) return
    for (const failure of unreported) outbox.submit(upgradeFailed(identity, failure))
    state.update((current) => ({ ...current, unreported: [] }))
  }

  private async checkedBuild(message: UpgradeMessage): Promise<Uint8Array> {
    const { build } = message
    const key = await this.deps.trustedKey.offered(message.signing_key)
    if (!key) throw new Refusal('this agent trusts no build-signing key yet')
    if (!build.signature) throw new Refusal('the build is not signed')
    const request = await authorizedRequest(this.deps.transfer, message.url)
    const response = await fetch(request.url, { headers: { authorization: request.authorization } })
    if (!response.ok) throw new Error(`downloading the build failed: ${describeResponse(response)}`)
    const content = new Uint8Array(await response.arrayBuffer())
    const sha256 = createHash('sha256').update(content).digest('hex')
    if (sha256 !== build.sha256) throw new Refusal(`the download has SHA-256 ${sha256}, not ${build.sha256}`)
    const problem = await buildSignatureProblem(key, build.signature, { version: build.version, sha256 })
    if (problem) throw new Refusal(`the build's signature is refused: ${problem}`)
    return content
  }

  private refuse(message: UpgradeMessage, reason: string) {
    const failure: FailedUpgrade = {
      rollout_id: message.rollout_id,
      build_id: message.build.id,
      version: message.build.version,
      stage: 'refused',
      reason: reason.slice(0, 500),
    }
    this.deps.log.warn('refusing an upgrade', { build_id: failure.build_id, reason: failure.reason })
    // The spool keeps the report across a restart, so it is not also kept as unreported.
    this.deps.outbox.submit(upgradeFailed(this.deps.identity, failure))
    this.deps.state.failed(failure, { reported: true })
  }
}
