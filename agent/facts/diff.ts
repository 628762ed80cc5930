import { isDeepStrictEqual } from 'node:util'
import { type FactName, Facts } from '../../schema/agent/facts'

export interface FactsChange {
  changed: Facts
  removed: FactName[]
  /** Packages installed or upgraded, and removed, when the platform already has the list. */
  packagesDelta?: PackagesDelta
}

export interface PackagesDelta {
  installed: Record<string, string>
  removed: string[]
}

/** What turns one package list into the other. */
export const diffPackages = (
  previous: Record<string, string>,
  next: Record<string, string>,
): PackagesDelta => ({
  installed: Object.fromEntries(Object.entries(next).filter(([name, version]) => previous[name] !== version)),
  removed: Object.keys(previous).filter((name) => next[name] === undefined),
})

const FACT_NAMES = Object.keys(Facts.entries) as FactName[]

/**
 * What a report must carry to bring the platform from `previous` to `next`: the fields that
 * differ (compared whole) and the ones now missing; `undefined` when nothing did. Without a
 * `previous` the platform's view is unknown, so every field is sent and every absent one removed.
 */
export const diffFacts = (previous: Facts | undefined, next: Facts): FactsChange | undefined => {
  if (!previous) return { changed: next, removed: FACT_NAMES.filter((name) => next[name] === undefined) }
  const changed: Record<string, unknown> = {}
  for (const name of FACT_NAMES) {
    if (next[name] !== undefined && !isDeepStrictEqual(previous[name], next[name])) changed[name] = next[name]
  }
  const removed = FACT_NAMES.filter((name) => previous[name] !== undefined && next[name] === undefined)
  let packagesDelta: PackagesDelta | undefined
  if (previous.packages && next.packages && changed.packages) {
    packagesDelta = diffPackages(previous.packages, next.packages)
    delete changed.packages
  }
  return Object.keys(changed).length > 0 || removed.length > 0 || packagesDelta
    ? { changed: changed as Facts, removed, ...(packagesDelta ? { packagesDelta } : {}) }
    : undefined
}
