import type { AgentFactsReported } from '../../schema/events/agent'

/** A package list after a report's delta: what was installed or upgraded set, what was removed gone. */
export const applyPackagesDelta = (
  packages: Record<string, string> | undefined,
  delta: NonNullable<AgentFactsReported['packages_delta']>,
): Record<string, string> => {
  const next = { ...packages, ...delta.installed }
  for (const name of delta.removed) delete next[name]
  return next
}
