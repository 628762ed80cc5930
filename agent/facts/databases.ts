import type { DatabaseProcess, Facts, ListeningSocket } from '../../schema/agent/facts'
import type { ProcessInfo } from './processes'

type Engine = DatabaseProcess['engine']

/** Server processes by engine, by their `comm`; Oracle's instance shows as `ora_pmon_<SID>`. */
const SERVER_PROCESSES: Record<string, Engine> = {
  postgres: 'postgresql',
  postmaster: 'postgresql',
  mysqld: 'mysql',
  mariadbd: 'mysql',
  tnslsnr: 'oracle',
  mongod: 'mongodb',
  'redis-server': 'redis',
}
const ORACLE_PMON = /^ora_pmon_(\w+)$/

/** Packages whose version is the engine's, first match wins. */
const ENGINE_PACKAGES: Record<Engine, RegExp> = {
  postgresql: /^postgresql(-server|-\d+)?$/,
  mysql: /^(mysql-server(-core)?(-\d.*)?|mariadb-server(-core)?(-\d.*)?|mysql-community-server)$/,
  oracle: /^oracle-database/,
  mongodb: /^mongodb-(org-server|server)$/,
  redis: /^redis(-server)?$/,
}

const versionOf = (engine: Engine, packages: Facts['packages']) => {
  const name = Object.keys(packages ?? {}).find((candidate) => ENGINE_PACKAGES[engine].test(candidate))
  return name ? packages?.[name] : undefined
}

/**
 * Database servers among the processes: one per engine and port (PostgreSQL forks a process per
 * connection, all named `postgres`; only the one holding the listening socket gives the port).
 */
export const findDatabases = (
  processes: ProcessInfo[],
  listening: { socket: ListeningSocket; inode: number }[],
  packages: Facts['packages'],
): DatabaseProcess[] => {
  const found = new Map<string, DatabaseProcess>()
  for (const process of processes) {
    const sid = ORACLE_PMON.exec(process.comm)?.[1]
    const engine = sid ? 'oracle' : SERVER_PROCESSES[process.comm]
    if (!engine) continue
    const ports = listening
      .filter(({ inode }) => process.sockets.includes(inode))
      .map(({ socket }) => socket.port)
    const version = versionOf(engine, packages)
    const base = { engine, process: process.comm, ...(version ? { version } : {}), ...(sid ? { sid } : {}) }
    if (ports.length === 0) {
      // A listener for the same engine already stands for it; a worker process adds nothing.
      if (![...found.values()].some((db) => db.engine === engine && (db.sid ?? '') === (sid ?? '')))
        found.set(`${engine} ${sid ?? ''}`, base)
      continue
    }
    found.delete(`${engine} ${sid ?? ''}`)
    for (const port of new Set(ports)) found.set(`${engine} ${port}`, { ...base, port })
  }
  return [...found.values()].sort((a, b) => a.engine.localeCompare(b.engine) || (a.port ?? 0) - (b.port ?? 0))
}
