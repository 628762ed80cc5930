import * as v from 'valibot'
import { DesiredResource } from '../../schema/resources/desired'
import { Command } from '../../schema/resources/manifest'
import { Condition, FeedbackValues, ManifestStatus } from '../../schema/resources/resource'
import { readJsonFile, writeFileAtomic } from '../state-dir'

/** A resource as the agent keeps it: what is desired, and what it last reported of it. */
export const KeptResource = v.object({
  desired: DesiredResource,
  /** How many reports of it were spooled: the next one is `report + 1`. */
  report: v.number(),
  /** The version last applied whole, if any. */
  applied_version: v.nullable(v.number()),
  conditions: v.array(Condition),
  feedback: FeedbackValues,
  /** A bundle's status per manifest, as last reported. */
  manifests: v.optional(v.array(ManifestStatus)),
  /** Foreground deletion done and reported: nothing more to do until the platform drops it. */
  removed: v.boolean(),
})
export type KeptResource = v.InferOutput<typeof KeptResource>

const KeptFile = v.object({
  resources: v.record(v.string(), KeptResource),
  /** The site's applier command, for kinds without an applier of the agent's own. */
  applier: v.optional(v.nullable(Command), null),
})
export type KeptFile = v.InferOutput<typeof KeptFile>

/** `resources.json` in the state directory: the desired set survives restarts and time offline. */
export const readKept = (path: string): KeptFile =>
  readJsonFile(path, KeptFile) ?? { resources: {}, applier: null }

export const writeKept = (path: string, kept: KeptFile) =>
  writeFileAtomic(path, JSON.stringify(kept), { durable: true })
