import type { Facts } from '../../schema/agent/facts'
import { findDatabases } from './databases'
import { attributeListeners, readListeners, type TcpListener } from './listening'
import { packages } from './packages'
import { type ProcessInfo, scanProcesses } from './processes'

const once = <T>(read: () => Promise<T>) => {
  let value: Promise<T> | undefined
  return () => {
    value ??= read()
    return value
  }
}

/**
 * One look at the machine's sockets, processes and packages, shared by the facts built from
 * them in a report: listening ports, and the database servers those ports and processes reveal.
 * Listeners come from /proc rather than `ss`, which minimal images lack; the owning process is
 * found by the socket's inode among the processes' open files.
 */
export class HostScan {
  readonly listeners = once<TcpListener[]>(readListeners)
  readonly processes = once<ProcessInfo[]>(scanProcesses)
  readonly packages = once<Facts['packages']>(packages)

  async listening(): Promise<Facts['listening']> {
    const [listeners, processes] = await Promise.all([this.listeners(), this.processes()])
    return attributeListeners(listeners, processes).slice(0, 1000)
  }

  async databases(): Promise<Facts['databases']> {
    const [listeners, processes, installed] = await Promise.all([
      this.listeners(),
      this.processes(),
      this.packages().catch(() => undefined),
    ])
    const sockets = listeners.map((listener) => ({
      socket: { address: listener.address, port: listener.port },
      inode: listener.inode,
    }))
    return findDatabases(processes, sockets, installed).slice(0, 100)
  }
}
