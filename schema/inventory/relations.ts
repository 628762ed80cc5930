import * as v from 'valibot'
import type { EntityKind } from './kinds'

export const RELATION_TYPES = [
  'runs_on',
  'depends_on',
  'member_of',
  'balances',
  'located_in',
  'owned_by',
] as const
export const RelationType = v.picklist(RELATION_TYPES)
export type RelationType = v.InferOutput<typeof RelationType>

/** Which kinds each relation may join, from source to target. */
export const RELATION_RULES: Record<
  RelationType,
  { from: readonly EntityKind[]; to: readonly EntityKind[] }
> = {
  runs_on: { from: ['application', 'database', 'service'], to: ['server'] },
  depends_on: {
    from: ['application', 'database', 'service', 'system', 'server'],
    to: ['application', 'database', 'service', 'server', 'load_balancer'],
  },
  member_of: { from: ['application', 'database', 'server', 'service'], to: ['system'] },
  balances: { from: ['load_balancer'], to: ['server', 'application'] },
  located_in: { from: ['server', 'database', 'load_balancer'], to: ['datacenter'] },
  owned_by: { from: ['system', 'application'], to: ['client'] },
}

/** Whether a relation of this type may go from one kind to the other. */
export const relationAllowed = (type: RelationType, from: EntityKind, to: EntityKind) =>
  RELATION_RULES[type].from.includes(from) && RELATION_RULES[type].to.includes(to)
