import WebSocket from 'ws'
import { formatTable } from './table'

/** A V8 CPU profile as the DevTools protocol returns it (`Profiler.stop`). */
export interface CpuProfile {
  nodes: {
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
    children?: number[]
  }[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** One function's share of the samples: where it is, and its own (self) and total time. */
export interface ProfileLine {
  name: string
  selfMs: number
  totalMs: number
}

/** The DevTools target of the Worker named `name` behind an inspector port (workerd lists one per service). */
const targetUrl = async (inspectorPort: number, name: string) => {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    id: string
    title: string
    webSocketDebuggerUrl: string
  }[]
  const target = targets.find((t) => t.title.includes(name) || t.id.includes(name))
  if (!target) throw new Error(`no inspector target named ${name}: ${targets.map((t) => t.title).join(', ')}`)
  return target.webSocketDebuggerUrl
}

/**
 * Records a CPU profile of one Worker's isolate over the DevTools protocol: `start()`, the
 * work, then `stop()` answers the profile. The sampling interval is in µs.
 */
export const cpuProfiler = async (inspectorPort: number, name: string, intervalUs = 200) => {
  const socket = new WebSocket(await targetUrl(inspectorPort, name))
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  let nextId = 0
  const pending = new Map<number, (result: unknown) => void>()
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown }
    if (message.id !== undefined) pending.get(message.id)?.(message.result)
  })
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      nextId += 1
      pending.set(nextId, resolve as (result: unknown) => void)
      socket.send(JSON.stringify({ id: nextId, method, params }))
    })
  await send('Profiler.enable')
  await send('Profiler.setSamplingInterval', { interval: intervalUs })
  return {
    start: () => send('Profiler.start'),
    stop: async () => {
      const { profile } = await send<{ profile: CpuProfile }>('Profiler.stop')
      socket.close()
      return profile
    },
  }
}

/** The profile's functions by self time, with their total (inclusive) time; idle and GC kept as V8 names them. */
export const profileLines = (profile: CpuProfile): ProfileLine[] => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const nameOf = (id: number) => {
    const frame = byId.get(id)?.callFrame
    if (!frame) return '?'
    const where = frame.url ? ` ${frame.url.split('/').pop()}:${frame.lineNumber + 1}` : ''
    return `${frame.functionName || '(anonymous)'}${where}`
  }
  const lines = new Map<string, ProfileLine>()
  const line = (name: string) => {
    const found = lines.get(name) ?? { name, selfMs: 0, totalMs: 0 }
    lines.set(name, found)
    return found
  }
  for (const [id, us] of selfUs) {
    line(nameOf(id)).selfMs += us / 1000
    // A function counts once per sample in its callers' totals, however deep its recursion.
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = nameOf(at)
      if (seen.has(name)) continue
      seen.add(name)
      line(name).totalMs += us / 1000
    }
  }
  return [...lines.values()].sort((a, b) => b.selfMs - a.selfMs)
}

/**
 * A profile's functions by self and by total time, per unit of work (`count` of them, e.g. 200
 * deliveries), in ms per unit or µs when `micro`, with the isolate's busy time first.
 */
export const profileTables = (
  profile: CpuProfile,
  work: { count: number; unit: string; micro?: boolean },
  top: number,
) => {
  const lines = profileLines(profile)
  const factor = work.micro ? 1000 : 1
  const timeUnit = work.micro ? 'µs' : 'ms'
  const per = (ms: number) => (ms * factor) / work.count
  const rows = (sorted: ProfileLine[]) =>
    sorted.slice(0, top).map((line) => [line.name, per(line.selfMs), per(line.totalMs)])
  const header = ['function', `self ${timeUnit}/${work.unit}`, `total ${timeUnit}/${work.unit}`]
  const busyMs = lines.filter((line) => line.name !== '(idle)').reduce((sum, line) => sum + line.selfMs, 0)
  return [
    `busy: ${per(busyMs).toFixed(2)} ${timeUnit} of the isolate's CPU per ${work.unit} (${work.count} in all)`,
    '',
    'by self time',
    formatTable(header, rows(lines)),
    '',
    'by total time',
    formatTable(header, rows([...lines].sort((a, b) => b.totalMs - a.totalMs))),
  ].join('\n')
}
