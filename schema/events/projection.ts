import * as v from 'valibot'

const Seq = v.pipe(v.number(), v.integer(), v.minValue(1))

/** Data of `io.sitewire.projection.quarantined`: an event the projector could not apply, set aside. */
export const ProjectionQuarantined = v.object({
  seq: Seq,
  event_id: v.string(),
  event_type: v.string(),
  error: v.string(),
})
export type ProjectionQuarantined = v.InferOutput<typeof ProjectionQuarantined>

/** Data of `io.sitewire.projection.released`: quarantined events that have now been applied. */
export const ProjectionReleased = v.object({ seqs: v.array(Seq) })
export type ProjectionReleased = v.InferOutput<typeof ProjectionReleased>
