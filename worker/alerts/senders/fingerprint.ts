import { createHash } from 'node:crypto'
import type { AlertLabels } from '../../../schema/alerts/received-alert'

/** Never part of UTF-8, so no name or value can run into the next. */
const SEPARATOR = Uint8Array.of(0xff)

/** SHA-256 (lowercase hex) of each field's UTF-8 bytes followed by one 0xFF byte, in order. */
export const hashFields = (fields: readonly string[]): string => {
  const hash = createHash('sha256')
  for (const field of fields) hash.update(field, 'utf8').update(SEPARATOR)
  return hash.digest('hex')
}

export interface Fingerprint {
  fingerprint: string
  fingerprint_formula: string
}

/**
 * `labels-v1`, for senders without a fingerprint of their own: the labels named by `names`
 * (every label when `names` is empty) that the alert has, sorted by name (UTF-16 code unit
 * order); the hash is `hashFields([name1, value1, name2, value2, …])`, that is SHA-256 hex of
 * `name 0xFF value 0xFF` for each label in turn. The formula recorded is
 * `labels-v1:<the names hashed, comma-separated>`, so a change of the chosen labels shows.
 */
export const labelsV1 = (labels: AlertLabels, names: readonly string[] = []): Fingerprint => {
  const chosen = (
    names.length === 0 ? Object.keys(labels) : names.filter((name) => Object.hasOwn(labels, name))
  )
    .filter((name, index, all) => all.indexOf(name) === index)
    .sort()
  return {
    fingerprint: hashFields(chosen.flatMap((name) => [name, labels[name] ?? ''])),
    fingerprint_formula: `labels-v1:${chosen.join(',')}`,
  }
}

/**
 * `datadog-v1`: `hashFields([alert_id, scope])`, the monitor and the tags it triggered on, so
 * one multi-alert monitor makes one series per group.
 */
export const datadogV1 = (alertId: string, scope: string): Fingerprint => ({
  fingerprint: hashFields([alertId, scope]),
  fingerprint_formula: 'datadog-v1',
})

/** The sender's own fingerprint, kept verbatim; the formula names the sender it came from. */
export const verbatim = (fingerprint: string, sender: string): Fingerprint => ({
  fingerprint,
  fingerprint_formula: sender,
})
