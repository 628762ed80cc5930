import * as v from 'valibot'
import { Labels, Ulid } from '../common'

/** Consumer names follow maestro's: RFC 1123 labels, which its clients already use. */
export const ConsumerName = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a consumer name is 1-63 of a-z 0-9 -'),
)

/** The label that names an agent's consumer when a consumer has neither `agent_id` nor `selector`. */
export const CONSUMER_LABEL = 'consumer'

/**
 * Who receives a consumer's resources: one agent (`agent_id`), or the approved agents whose
 * labels hold every pair of `selector`; with neither, the agents labelled `consumer=<name>`.
 */
export const ConsumerSpec = v.pipe(
  v.strictObject({
    name: ConsumerName,
    agent_id: v.optional(v.nullable(Ulid), null),
    selector: v.optional(v.nullable(Labels), null),
    labels: v.optional(Labels, {}),
  }),
  v.check((spec) => spec.agent_id === null || spec.selector === null, 'give agent_id or selector, not both'),
)
export type ConsumerSpec = v.InferOutput<typeof ConsumerSpec>

/** The label pairs an agent must hold to be one of a consumer's agents, when it names none. */
export const selectorOf = (spec: Pick<ConsumerSpec, 'name' | 'agent_id' | 'selector'>) =>
  spec.agent_id === null ? (spec.selector ?? { [CONSUMER_LABEL]: spec.name }) : null
