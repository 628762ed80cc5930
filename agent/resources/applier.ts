import type { Manifest } from '../../schema/resources/manifest'
import type { UpdateStrategy } from '../../schema/resources/resource'

/**
 * What applying a manifest did: `changed` when the host was changed to match it, the object as
 * observed afterwards (what feedback rules read), and whether it is there and working.
 */
export interface ApplyOutcome {
  applied: boolean
  changed: boolean
  available: boolean
  /** Working but not well (a check failing, a process restarting). */
  degraded?: boolean
  /** Why it is not applied, as a condition reason: `ApplyFailed`, `NoApplier`, `NotFound`. */
  reason?: string
  message: string
  observed: Record<string, unknown>
}

/** Applies, observes and removes manifests of one kind on this host. */
export interface Applier<M extends Manifest = Manifest> {
  apply(manifest: M, strategy: UpdateStrategy): Promise<ApplyOutcome>
  /** Removes it from the host (Foreground deletion). */
  remove(manifest: M): Promise<void>
  /** Stops managing it, leaving it as it is (Orphan, or no longer desired). */
  release?(manifest: M): void
  /** The agent stops: whatever runs on the agent's behalf stops too. */
  shutdown?(): void
}

export const failed = (message: string, observed: Record<string, unknown> = {}): ApplyOutcome => ({
  applied: false,
  changed: false,
  available: false,
  reason: 'ApplyFailed',
  message,
  observed,
})
