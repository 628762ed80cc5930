import type { CpuUse } from '../lib/cpu-meter'
import type { GroupMemory } from '../lib/group-memory'
import { formatTable } from '../lib/table'
import type { BroadcastOutcome, BroadcastRound } from './broadcast'
import { describeCpu } from './cpu'
import type { FloorRun } from './floor-side'
import type { MosquittoOutcome } from './mosquitto-side'
import type { PhaseSummary } from './phase'
import type { SitewireRun } from './sitewire-side'

/** One size of the run: Sitewire, the runtime's floor and the peer, with the same number of clients. */
export interface SizeResult {
  agents: number
  sitewire: SitewireRun
  floor?: FloorRun
  mosquitto: MosquittoOutcome
}

/** The targets. */
export const TARGET_AGENTS = 10_000
export const TARGET_P99_RATIO = 3

/** One system at one size, in the shape every table reads. */
interface SystemRow {
  system: string
  clients: number
  connect: PhaseSummary
  enrolSeconds?: number
  online?: number
  memoryBeforeMiB: number
  memoryAfterMiB: number
  workerdMiB?: number
  broadcast: BroadcastOutcome
  cpu: { enrol?: CpuUse; connect: CpuUse; broadcasts: CpuUse }
}

const workerdOf = (memory: GroupMemory) =>
  memory.processes.filter((p) => p.label === 'workerd').reduce((sum, p) => sum + p.rssMiB, 0)

const rowsOf = ({ agents, sitewire: ours, floor, mosquitto: peer }: SizeResult): SystemRow[] => [
  {
    system: 'sitewire',
    clients: agents,
    connect: ours.connect,
    enrolSeconds: ours.enrol.seconds,
    online: ours.online,
    memoryBeforeMiB: ours.memory.beforeAgents.totalMiB,
    memoryAfterMiB: ours.memory.afterConnect.totalMiB,
    workerdMiB: workerdOf(ours.memory.afterConnect),
    broadcast: ours.broadcast,
    cpu: ours.cpu,
  },
  ...(floor
    ? [
        {
          system: 'workerd floor (bare DO)',
          clients: agents,
          connect: floor.connect,
          memoryBeforeMiB: floor.memory.beforeClients.totalMiB,
          memoryAfterMiB: floor.memory.afterConnect.totalMiB,
          workerdMiB: workerdOf(floor.memory.afterConnect),
          broadcast: floor.broadcast,
          cpu: floor.cpu,
        },
      ]
    : []),
  ...(peer.measured
    ? [
        {
          system: `mosquitto ${peer.version} (QoS 0)`,
          clients: agents,
          connect: peer.connect,
          memoryBeforeMiB: peer.memoryMiB.beforeClients,
          memoryAfterMiB: peer.memoryMiB.afterConnect,
          broadcast: peer.broadcast,
          cpu: peer.cpu,
        },
      ]
    : []),
]

const ratio = (ours: number, theirs: number) => (theirs > 0 ? ours / theirs : Number.NaN)
const fmtRatio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '-')
const optional = (value: number | undefined) => value ?? Number.NaN

export interface Ratios {
  agents: number
  against: 'mosquitto' | 'workerd floor'
  connectSeconds: number
  memory: number
  memoryWorkerdOnly: number
  p50: number
  p99: number
  atSocketP50: number
  atSocketP99: number
}

/** Sitewire's figures divided by the peer's and by the floor's, for each size both ran. */
export const ratiosOf = (size: SizeResult): Ratios[] => {
  const [ours, ...others] = rowsOf(size)
  if (!ours) return []
  return others.map((other) => ({
    agents: size.agents,
    against: other.system.startsWith('mosquitto') ? 'mosquitto' : 'workerd floor',
    connectSeconds: ratio(ours.connect.seconds, other.connect.seconds),
    memory: ratio(ours.memoryAfterMiB, other.memoryAfterMiB),
    memoryWorkerdOnly: ratio(optional(ours.workerdMiB), other.workerdMiB ?? other.memoryAfterMiB),
    p50: ratio(ours.broadcast.median.latencyMs.p50, other.broadcast.median.latencyMs.p50),
    p99: ratio(ours.broadcast.median.latencyMs.p99, other.broadcast.median.latencyMs.p99),
    atSocketP50: ratio(ours.broadcast.median.atSocketMs.p50, other.broadcast.median.atSocketMs.p50),
    atSocketP99: ratio(ours.broadcast.median.atSocketMs.p99, other.broadcast.median.atSocketMs.p99),
  }))
}

/** Every agent connected, listed online, and reached by every broadcast. */
const allReached = (run: SitewireRun) =>
  run.connect.ok === run.agents &&
  run.online === run.agents &&
  run.broadcast.rounds.every((r) => r.received === run.agents)

export interface TargetCheck {
  target: string
  measured: string
  met: boolean | undefined
}

const count = (value: number) => value.toLocaleString('en-US')

export const checkTargets = (sizes: SizeResult[]): TargetCheck[] => {
  const agentsTarget = `${count(TARGET_AGENTS)} agents on one site`
  const p99Target = `broadcast p99 within ${TARGET_P99_RATIO}× of Mosquitto`
  const big = sizes.find((s) => s.agents === TARGET_AGENTS)
  if (!big) {
    return [
      { target: agentsTarget, measured: 'not run', met: undefined },
      { target: p99Target, measured: 'not run', met: undefined },
    ]
  }
  const run = big.sitewire
  const peer = big.mosquitto
  const vsPeer = ratiosOf(big).find((r) => r.against === 'mosquitto')
  const worst = Math.min(...run.broadcast.rounds.map((r) => r.received))
  return [
    {
      target: agentsTarget,
      measured: `${count(run.connect.ok)} connected, ${count(run.online)} online, every broadcast reached ${count(worst)}`,
      met: allReached(run),
    },
    {
      target: p99Target,
      measured:
        vsPeer && peer.measured
          ? `${run.broadcast.median.latencyMs.p99.toFixed(1)} ms against ${peer.broadcast.median.latencyMs.p99.toFixed(1)} ms: ` +
            `${fmtRatio(vsPeer.p99)} (at the socket: ${run.broadcast.median.atSocketMs.p99.toFixed(1)} against ` +
            `${peer.broadcast.median.atSocketMs.p99.toFixed(1)} ms, ${fmtRatio(vsPeer.atSocketP99)})`
          : 'Mosquitto not measured',
      // Judged on the latency to the client library's hand-over: the stricter of the two.
      met: vsPeer ? vsPeer.p99 <= TARGET_P99_RATIO : undefined,
    },
  ]
}

export const connectionsTable = (sizes: SizeResult[]) =>
  formatTable(
    [
      'system',
      'clients',
      'connected',
      'online',
      'enrol s',
      'connect s',
      'conn/s',
      'first 10% /s',
      'last 10% /s',
      'conn p50 ms',
      'conn p99 ms',
      'errors',
    ],
    sizes
      .flatMap(rowsOf)
      .map((row) => [
        row.system,
        row.clients,
        row.connect.ok,
        optional(row.online),
        optional(row.enrolSeconds),
        row.connect.seconds,
        row.connect.perSecond,
        row.connect.firstTenthPerSecond,
        row.connect.lastTenthPerSecond,
        row.connect.perOperationMs.p50,
        row.connect.perOperationMs.p99,
        row.connect.errors,
      ]),
  )

export const memoryTable = (sizes: SizeResult[]) =>
  formatTable(
    ['system', 'clients', 'before MiB', 'connected MiB', 'KiB per client', 'of which workerd MiB'],
    sizes
      .flatMap(rowsOf)
      .map((row) => [
        row.system,
        row.clients,
        row.memoryBeforeMiB,
        row.memoryAfterMiB,
        ((row.memoryAfterMiB - row.memoryBeforeMiB) * 1024) / row.clients,
        optional(row.workerdMiB),
      ]),
  )

const ROUND_HEADERS = [
  'received',
  'p50 ms',
  'p99 ms',
  'max ms',
  'socket p50',
  'socket p99',
  'send answered ms',
  'client CPU ms',
]
const roundCells = (round: BroadcastRound) => [
  round.received,
  round.latencyMs.p50,
  round.latencyMs.p99,
  round.latencyMs.max,
  round.atSocketMs.p50,
  round.atSocketMs.p99,
  round.sendAnsweredMs,
  round.clientCpuMs,
]

export const broadcastTable = (sizes: SizeResult[]) =>
  formatTable(
    ['system', 'clients', ...ROUND_HEADERS, 'CPU cores used (all rounds)'],
    sizes
      .flatMap(rowsOf)
      .map((row) => [
        row.system,
        row.clients,
        ...roundCells(row.broadcast.median),
        describeCpu(row.cpu.broadcasts),
      ]),
  )

export const roundsTable = (sizes: SizeResult[]) =>
  formatTable(
    ['system', 'clients', 'round', ...ROUND_HEADERS],
    sizes
      .flatMap(rowsOf)
      .flatMap((row) =>
        row.broadcast.rounds.map((r) => [row.system, row.clients, r.round, ...roundCells(r)]),
      ),
  )

export const ratiosTable = (sizes: SizeResult[]) =>
  formatTable(
    [
      'clients',
      'against',
      'connect time',
      'memory',
      'memory (workerd only)',
      'broadcast p50',
      'broadcast p99',
      'socket p50',
      'socket p99',
    ],
    sizes
      .flatMap(ratiosOf)
      .map((r) => [
        r.agents,
        r.against,
        fmtRatio(r.connectSeconds),
        fmtRatio(r.memory),
        fmtRatio(r.memoryWorkerdOnly),
        fmtRatio(r.p50),
        fmtRatio(r.p99),
        fmtRatio(r.atSocketP50),
        fmtRatio(r.atSocketP99),
      ]),
  )

export const cpuTable = (sizes: SizeResult[]) =>
  formatTable(
    ['system', 'clients', 'phase', 'wall s', 'CPU cores used'],
    sizes
      .flatMap(rowsOf)
      .flatMap((row) => [
        ...(row.cpu.enrol
          ? [[row.system, row.clients, 'enrol', row.cpu.enrol.wallSeconds, describeCpu(row.cpu.enrol)]]
          : []),
        [row.system, row.clients, 'connect', row.cpu.connect.wallSeconds, describeCpu(row.cpu.connect)],
      ]),
  )

export const targetsTable = (checks: TargetCheck[]) =>
  formatTable(
    ['target', 'measured', 'met'],
    checks.map((c) => [c.target, c.measured, c.met === undefined ? 'not measured' : c.met ? 'yes' : 'NO']),
  )

/** The whole report as the terminal shows it. */
export const formatReport = (sizes: SizeResult[], rounds: number): string =>
  [
    'Connections (enrol: each agent makes its key and enrols; connect: upgrade to welcome, or to SUBACK for MQTT):',
    connectionsTable(sizes),
    '',
    'Resident memory once every client connected (sitewire: every process of `npm start`; floor: Miniflare and workerd):',
    memoryTable(sizes),
    '',
    `Broadcast to every client, the median of ${rounds} rounds by p99. Latency from just before the send call to the client`,
    'library handing the message over (p50, p99, max), and to its bytes reaching the client socket (socket p50, p99):',
    broadcastTable(sizes),
    '',
    'Every round:',
    roundsTable(sizes),
    '',
    'Sitewire ÷ the others (below 1× is better for Sitewire):',
    ratiosTable(sizes),
    '',
    'Where the CPU went while connecting:',
    cpuTable(sizes),
    '',
    'Targets:',
    targetsTable(checkTargets(sizes)),
  ].join('\n')
