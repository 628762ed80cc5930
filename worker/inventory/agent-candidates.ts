import type { DatabaseProcess, Facts } from '../../schema/agent/facts'
import type { Candidate } from './discovery-decider'

/** A well-known service, by the unit or process names that reveal it. */
interface KnownService {
  name: string
  family: string
  ports: number[]
  names: string[]
}

/** The services discovery puts in the catalogue, by their systemd unit or listening process name. */
const KNOWN_SERVICES: KnownService[] = [
  { name: 'ssh', family: 'remote-access', ports: [22], names: ['ssh', 'sshd'] },
  { name: 'nginx', family: 'web', ports: [80, 443], names: ['nginx'] },
  { name: 'apache-httpd', family: 'web', ports: [80, 443], names: ['apache2', 'httpd'] },
  { name: 'haproxy', family: 'load-balancer', ports: [], names: ['haproxy'] },
  { name: 'docker', family: 'container-runtime', ports: [], names: ['docker', 'dockerd'] },
  { name: 'containerd', family: 'container-runtime', ports: [], names: ['containerd'] },
  { name: 'cron', family: 'scheduler', ports: [], names: ['cron', 'crond'] },
  { name: 'postgresql', family: 'database', ports: [5432], names: ['postgresql', 'postgres'] },
  { name: 'mysql', family: 'database', ports: [3306], names: ['mysql', 'mysqld', 'mariadb', 'mariadbd'] },
  { name: 'redis', family: 'database', ports: [6379], names: ['redis', 'redis-server'] },
  { name: 'mongodb', family: 'database', ports: [27017], names: ['mongod'] },
  {
    name: 'time-sync',
    family: 'infrastructure',
    ports: [],
    names: ['chronyd', 'chrony', 'ntp', 'ntpd', 'systemd-timesyncd'],
  },
  { name: 'syslog', family: 'infrastructure', ports: [], names: ['rsyslog', 'rsyslogd', 'syslog-ng'] },
]
const SERVICE_BY_NAME = new Map(
  KNOWN_SERVICES.flatMap((service) => service.names.map((name) => [name, service])),
)

const DATABASE_PROCESSES = new Set([
  'postgres',
  'postmaster',
  'mysqld',
  'mariadbd',
  'tnslsnr',
  'mongod',
  'redis-server',
])

const octets = (address: string) => address.split('.').map(Number)

/** RFC 1918 and shared (RFC 6598) space; link-local and loopback are no one's address. */
const isPrivate = (address: string) => {
  const [a = 0, b = 0] = octets(address)
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  )
}
const isUsableIpv4 = (address: string) => {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return false
  const [a = 0, b = 0] = octets(address)
  return a !== 127 && !(a === 169 && b === 254)
}

const MB = 1024 * 1024
const GB = 1_000_000_000

const serverAttributes = (facts: Facts, hostname: string, running: string[]) => {
  const ipv4 = (facts.ip_addresses ?? []).filter(isUsableIpv4)
  return {
    hostname,
    private_ipv4: ipv4.filter(isPrivate).slice(0, 64),
    public_ipv4: ipv4.filter((address) => !isPrivate(address)).slice(0, 64),
    ...(facts.os && {
      os: {
        base: facts.os.family,
        ...(facts.os.distribution ? { distro: facts.os.distribution } : {}),
        ...(facts.os.version ? { version: facts.os.version } : {}),
      },
    }),
    ...(facts.cpu ? { cpu_cores: facts.cpu.count } : {}),
    ...(facts.memory_bytes !== undefined ? { memory_mb: Math.round(facts.memory_bytes / MB) } : {}),
    ...(facts.disks && {
      storage: facts.disks.slice(0, 64).map((disk) => ({
        name: disk.mount.slice(0, 200),
        size_gb: Math.round(disk.size_bytes / GB),
        ...(disk.filesystem ? { type: disk.filesystem } : {}),
      })),
    }),
    services: running.slice(0, 200),
  }
}

const databaseName = (db: DatabaseProcess, hostname: string) =>
  `${db.sid ?? db.engine} on ${hostname}${db.port ? `:${db.port}` : ''}`

const databaseCandidate = (db: DatabaseProcess, index: number, hostname: string): Candidate => ({
  ref: `database_${index}`,
  kind: 'database',
  key: `database/${db.engine}/@server/${db.port ?? db.sid ?? '-'}`,
  name: databaseName(db, hostname),
  attributes: {
    engine: db.engine,
    ...(db.version ? { version: db.version.slice(0, 200) } : {}),
    ...(db.engine === 'oracle' && db.sid ? { sid: db.sid } : {}),
  },
  relations: [{ type: 'runs_on', to: 'server' }],
})

/**
 * What an agent's facts say the site holds: its server (matched by the agent, then by hostname
 * with a private address), the database servers running on it, the well-known services it
 * runs (matched by name), and an application for each other process listening on a port.
 */
export const agentCandidates = (agentId: string, facts: Facts): Candidate[] => {
  const hostname = facts.hostname?.trim()
  if (!hostname) return []
  const units = (facts.services ?? [])
    .filter((unit) => unit.state === 'running')
    .map((unit) => unit.name.replace(/\.service$/, ''))
  const processes = [
    ...new Set((facts.listening ?? []).flatMap((socket) => (socket.process ? [socket.process] : []))),
  ]
  const known = [
    ...new Map(
      [...units, ...processes]
        .map((name) => SERVICE_BY_NAME.get(name))
        .filter((service) => service !== undefined)
        .map((service) => [service.name, service]),
    ).values(),
  ].sort((a, b) => a.name.localeCompare(b.name))
  const running = [...new Set([...units, ...known.map((service) => service.name)])].sort()
  const server: Candidate = {
    ref: 'server',
    kind: 'server',
    key: `server/agent/${agentId}`,
    name: hostname,
    attributes: serverAttributes(facts, hostname, running),
    match: {
      hostname,
      addresses: (facts.ip_addresses ?? []).filter((address) => isUsableIpv4(address) && isPrivate(address)),
    },
  }
  const services: Candidate[] = known.map((service) => ({
    ref: `service_${service.name.replace(/-/g, '_')}`,
    kind: 'service',
    key: `service/${service.name}`,
    name: service.name,
    attributes: { family: service.family, ports: service.ports },
    match: { byName: true },
  }))
  const applications: Candidate[] = processes
    .filter((process) => !DATABASE_PROCESSES.has(process) && !SERVICE_BY_NAME.has(process))
    .map((process, index) => ({
      ref: `application_${index}`,
      kind: 'application',
      key: `application/@server/${process}`,
      name: `${process} on ${hostname}`,
      attributes: {},
      relations: [{ type: 'runs_on', to: 'server' }],
    }))
  return [
    server,
    ...(facts.databases ?? []).map((db, index) => databaseCandidate(db, index, hostname)),
    ...services,
    ...applications,
  ]
}
