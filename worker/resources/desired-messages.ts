import { MAX_FRAME_BYTES, type ServerMessage } from '../../schema/agent/protocol'
import type { DesiredResource } from '../../schema/resources/desired'
import { utf8Length } from '../lib/utf8'

/** Room in a frame for the message's own fields around its resources. */
const ENVELOPE_BYTES = 1024

/**
 * An agent's complete desired set as the messages that carry it: as few as fit in frames of
 * `MAX_FRAME_BYTES`, each with at least one resource (a resource's spec is bounded to fit).
 */
export const desiredMessages = (
  set: string,
  resources: readonly DesiredResource[],
  applier: string[] | null,
): ServerMessage[] => {
  const chunks: DesiredResource[][] = [[]]
  let bytes = 0
  for (const resource of resources) {
    const size = utf8Length(JSON.stringify(resource)) + 1
    const current = chunks.at(-1) as DesiredResource[]
    if (current.length > 0 && bytes + size > MAX_FRAME_BYTES - ENVELOPE_BYTES) {
      chunks.push([resource])
      bytes = size
    } else {
      current.push(resource)
      bytes += size
    }
  }
  return chunks.map((chunk, i) => ({
    type: 'resources',
    set,
    part: i + 1,
    parts: chunks.length,
    resources: chunk,
    applier,
  }))
}
