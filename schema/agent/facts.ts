import * as v from 'valibot'
import { Labels } from '../common'

const Text = (max = 256) => v.pipe(v.string(), v.maxLength(max))
const Count = v.pipe(v.number(), v.integer(), v.minValue(0))

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
  services: v.optional(v.pipe(v.array(v.object({ name: Text(), state: Text(64) })), v.maxLength(2000))),
  labels: v.optional(Labels),
})
export type Facts = v.InferOutput<typeof Facts>

/** The fact fields, as names; a report carries the changed ones and names the removed ones. */
export type FactName = keyof Facts
