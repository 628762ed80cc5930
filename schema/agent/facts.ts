import * as v from 'valibot'
import { Labels } from '../common'

const Text = (max = 256) => v.pipe(v.string(), v.maxLength(max))
const Count = v.pipe(v.number(), v.integer(), v.minValue(0))

const Port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535))

/** More would not fit a report's frame. */
export const MAX_PACKAGES = 5000

export const ListeningSocket = v.object({
  address: Text(64),
  port: Port,
  /** The process's name (`comm`), when its file descriptors are readable. */
  process: v.optional(Text(64)),
})
export type ListeningSocket = v.InferOutput<typeof ListeningSocket>

export const DATABASE_ENGINES = ['postgresql', 'mysql', 'oracle', 'mongodb', 'redis'] as const

/** A database server process: its engine, the port it listens on, and the version when a package tells it. */
export const DatabaseProcess = v.object({
  engine: v.picklist(DATABASE_ENGINES),
  process: Text(64),
  port: v.optional(Port),
  version: v.optional(Text(128)),
  /** Oracle's instance name, from its `ora_pmon_<SID>` process. */
  sid: v.optional(Text(64)),
})
export type DatabaseProcess = v.InferOutput<typeof DatabaseProcess>

/** What an agent knows about its machine. Every field is optional: agents send what they can read. */
export const Facts = v.object({
  hostname: v.optional(Text(253)),
  os: v.optional(
    v.object({
      family: Text(64),
      distribution: v.optional(Text(128)),
      version: v.optional(Text(128)),
    }),
  ),
  kernel: v.optional(Text()),
  arch: v.optional(Text(64)),
  cpu: v.optional(v.object({ count: Count, model: v.optional(Text()) })),
  memory_bytes: v.optional(Count),
  disks: v.optional(
    v.pipe(
      v.array(
        v.object({
          mount: Text(1024),
          filesystem: v.optional(Text(64)),
          device: v.optional(Text(1024)),
          size_bytes: Count,
          used_bytes: Count,
        }),
      ),
      v.maxLength(256),
    ),
  ),
  ip_addresses: v.optional(v.pipe(v.array(Text(64)), v.maxLength(256))),
  uptime_seconds: v.optional(Count),
  /** systemd service units: `state` is the sub-state (running, exited…), `active` the active state. */
  services: v.optional(
    v.pipe(
      v.array(
        v.object({
          name: Text(),
          state: Text(64),
          active: v.optional(Text(64)),
          enabled: v.optional(v.boolean()),
        }),
      ),
      v.maxLength(2000),
    ),
  ),
  /** Listening TCP sockets and the process holding each, when the agent may see it. */
  listening: v.optional(v.pipe(v.array(ListeningSocket), v.maxLength(1000))),
  /** Installed packages, name to version, from dpkg or rpm. */
  packages: v.optional(
    v.pipe(
      v.record(Text(), Text(128)),
      v.check((packages) => Object.keys(packages).length <= MAX_PACKAGES, `at most ${MAX_PACKAGES} packages`),
    ),
  ),
  /** Database servers running here, recognised by their process. */
  databases: v.optional(v.pipe(v.array(DatabaseProcess), v.maxLength(100))),
  labels: v.optional(Labels),
})
export type Facts = v.InferOutput<typeof Facts>

/** The fact fields, as names; a report carries the changed ones and names the removed ones. */
export type FactName = keyof Facts
