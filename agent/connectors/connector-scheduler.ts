import * as v from 'valibot'
import { MAX_FRAME_BYTES } from '../../schema/agent/protocol'
import {
  type ConnectorResourceType,
  type ConnectorSpec,
  type ConnectorSyncReported,
  DeliveredConnector,
} from '../../schema/inventory/connectors'
import { connectorSyncReported } from '../frames'
import type { Identity } from '../identity'
import { errorMessage, type Logger } from '../log'
import type { Outbox } from '../outbox'
import { readJsonFile, writeFileAtomic } from '../state-dir'
import { syncAws } from './aws-adapter'
import type { SyncResult } from './cloud-entities'
import { syncOpenStack } from './openstack-adapter'
import { SyncProblem } from './sync-problems'

/** How often the scheduler looks for due work unless told otherwise. */
export const DEFAULT_TICK_MS = 5_000

/** Types in the order a sync runs them when several are due: what others relate to comes first. */
const ORDER: readonly ConnectorResourceType[] = ['datacenters', 'servers', 'load_balancers', 'databases']

/** Reads one resource type of a connector's cloud. */
export type CloudReader = (
  spec: ConnectorSpec,
  type: ConnectorResourceType,
  context: { connectorId: string; agentId: string; secrets: Record<string, string> },
) => Promise<SyncResult>

export const readCloud: CloudReader = (spec, type, context) =>
  spec.provider === 'aws' ? syncAws(spec.aws, type, context) : syncOpenStack(spec.openstack, type, context)

/** When a type last ran, and the latest "sync now" it answered. */
const LastRun = v.object({ started_at: v.number(), request: v.number() })

const ConnectorsFile = v.object({
  connectors: v.array(DeliveredConnector),
  runs: v.record(v.string(), LastRun),
})
type ConnectorsFile = v.InferOutput<typeof ConnectorsFile>

export interface ConnectorSchedulerDeps {
  identity: Pick<Identity, 'site_id' | 'agent_id'>
  outbox: Pick<Outbox, 'submit'>
  /** `connectors.json` in the state directory. */
  path: string
  /** The agent's secret store, read afresh for each sync. */
  secrets: () => Record<string, string>
  log: Logger
  tickMs?: number
  read?: CloudReader
  now?: () => number
}

const runKey = (connectorId: string, type: ConnectorResourceType) => `${connectorId}/${type}`

/** Room in a frame for the report's own fields around its entities. */
const ENVELOPE_BYTES = 4096

/**
 * Runs the cloud connectors the platform gives this agent: each resource type on its interval,
 * and at once when a "sync now" for it arrives. The connectors and when each type last ran live
 * on disk, so syncs go on across restarts and while the platform is out of reach; each report
 * goes through the outbox, spooled until the platform takes it.
 */
export class ConnectorScheduler {
  private file: ConnectorsFile
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private readonly read: CloudReader
  private readonly now: () => number

  constructor(private readonly deps: ConnectorSchedulerDeps) {
    this.file = readJsonFile(deps.path, ConnectorsFile) ?? { connectors: [], runs: {} }
    this.read = deps.read ?? readCloud
    this.now = deps.now ?? Date.now
  }

  /** The platform's complete set of this agent's connectors. */
  delivered(connectors: DeliveredConnector[]) {
    const ids = new Set(connectors.map((connector) => connector.connector_id))
    const runs = Object.fromEntries(
      Object.entries(this.file.runs).filter(([key]) => ids.has(key.split('/')[0] as string)),
    )
    this.file = { connectors, runs }
    this.save()
    void this.tick()
  }

  start() {
    this.timer = setInterval(() => void this.tick(), this.deps.tickMs ?? DEFAULT_TICK_MS)
    void this.tick()
  }

  async stop() {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /** Runs whatever is due, one sync at a time; a tick during a run asks for another pass after it. */
  tick(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      do {
        this.again = false
        for (const { connector, type } of this.due()) await this.sync(connector, type)
      } while (this.again)
    })().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private due() {
    const now = this.now()
    return ORDER.flatMap((type) =>
      this.file.connectors.flatMap((connector) => {
        const interval = connector.spec.intervals[type]
        if (interval === false || interval === undefined) return []
        const last = this.file.runs[runKey(connector.connector_id, type)]
        const requested = connector.sync_requests[type] ?? 0
        const due = !last || requested > last.request || now >= last.started_at + interval * 1000
        return due ? [{ connector, type }] : []
      }),
    )
  }

  private async sync(connector: DeliveredConnector, type: ConnectorResourceType) {
    const { identity, log } = this.deps
    const started = this.now()
    const request = connector.sync_requests[type] ?? 0
    let result: SyncResult
    try {
      result = await this.read(connector.spec, type, {
        connectorId: connector.connector_id,
        agentId: identity.agent_id,
        secrets: this.deps.secrets(),
      })
    } catch (error) {
      result = {
        entities: [],
        complete: false,
        errors: [
          error instanceof SyncProblem
            ? error.error
            : { code: 'sync_failed', message: errorMessage(error).slice(0, 2000) },
        ],
      }
    }
    const report = this.sized({
      agent_id: identity.agent_id,
      connector_id: connector.connector_id,
      resource_type: type,
      started_at: new Date(started).toISOString(),
      finished_at: new Date(this.now()).toISOString(),
      ...result,
    })
    log.info('connector synced', {
      connector_id: connector.connector_id,
      resource_type: type,
      entities: report.entities.length,
      errors: report.errors.length,
    })
    this.deps.outbox.submit(connectorSyncReported(identity, report))
    // Only a connector still given records its run: one removed meanwhile is forgotten.
    if (this.file.connectors.some((given) => given.connector_id === connector.connector_id)) {
      this.file.runs[runKey(connector.connector_id, type)] = { started_at: started, request }
      this.save()
    }
  }

  /** A report too large for one frame says so, rather than be dropped by the outbox. */
  private sized(report: ConnectorSyncReported): ConnectorSyncReported {
    if (Buffer.byteLength(JSON.stringify(report)) <= MAX_FRAME_BYTES - ENVELOPE_BYTES) return report
    return {
      ...report,
      entities: [],
      complete: false,
      errors: [
        {
          code: 'report_too_large',
          message: `${report.entities.length} ${report.resource_type} make a report larger than ${MAX_FRAME_BYTES} bytes`,
          hint: 'split the connector by region',
        },
      ],
    }
  }

  private save() {
    writeFileAtomic(this.deps.path, JSON.stringify(this.file), { durable: true })
  }
}
