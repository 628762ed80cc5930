import * as v from 'valibot'
import { Ulid } from '../common'
import { ResourceSpec } from './resource'

/** A resource as an agent keeps it: its version and spec, and whether to remove it from the host. */
export const DesiredResource = v.object({
  resource_id: Ulid,
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  spec: ResourceSpec,
  deleting: v.boolean(),
})
export type DesiredResource = v.InferOutput<typeof DesiredResource>
