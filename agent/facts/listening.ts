import { readFile } from 'node:fs/promises'
import type { ListeningSocket } from '../../schema/agent/facts'
import type { ProcessInfo } from './processes'

/** `st` of a socket in LISTEN, in /proc/net/tcp. */
const TCP_LISTEN = '0A'

export interface TcpListener {
  address: string
  port: number
  inode: number
}

// The kernel prints each 32-bit word of an address in host order: little-endian on the
// machines agents run on (x86-64, arm64), so each word's bytes are read back to front.
const wordBytes = (hex: string) => [6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16))

const ipv4 = (hex: string) => wordBytes(hex).join('.')

const ipv6 = (hex: string) => {
  const bytes = [0, 8, 16, 24].flatMap((at) => wordBytes(hex.slice(at, at + 8)))
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16),
  )
  // A v4-mapped address is a v4 listener seen through a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') return bytes.slice(12).join('.')
  const text = groups.join(':')
  const zeros = text.match(/(?:^|:)0(?::0)+(?::|$)/g)?.sort((a, b) => b.length - a.length)[0]
  return zeros ? text.replace(zeros, '::') : text
}

/** The LISTEN lines of /proc/net/tcp or /proc/net/tcp6. */
export const parseProcNetTcp = (text: string, family: 4 | 6): TcpListener[] =>
  text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns[3] === TCP_LISTEN)
    .flatMap((columns) => {
      const [hexAddress, hexPort] = (columns[1] ?? '').split(':')
      const inode = Number(columns[9])
      if (!hexAddress || !hexPort) return []
      return [
        {
          address: family === 4 ? ipv4(hexAddress) : ipv6(hexAddress),
          port: Number.parseInt(hexPort, 16),
          inode,
        },
      ]
    })

/** Listeners with the process holding each, one entry per address and port, sorted so reports change only when they do. */
export const attributeListeners = (listeners: TcpListener[], processes: ProcessInfo[]): ListeningSocket[] => {
  const owner = new Map<number, string>()
  for (const process of processes) for (const inode of process.sockets) owner.set(inode, process.comm)
  const unique = new Map<string, ListeningSocket>()
  for (const { address, port, inode } of listeners) {
    const process = owner.get(inode)
    unique.set(`${address} ${port}`, { address, port, ...(process ? { process } : {}) })
  }
  return [...unique.values()].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address))
}

export const readListeners = async (): Promise<TcpListener[]> => {
  const tables = await Promise.all([
    readFile('/proc/net/tcp', 'utf8').then((text) => parseProcNetTcp(text, 4)),
    readFile('/proc/net/tcp6', 'utf8').then(
      (text) => parseProcNetTcp(text, 6),
      // A kernel without IPv6 has no tcp6 table.
      () => [],
    ),
  ])
  return tables.flat()
}
