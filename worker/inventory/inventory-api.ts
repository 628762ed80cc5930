import { RpcTarget } from 'cloudflare:workers'
import type {
  BatchRelation,
  CreateEntityGrantBody,
  CreateRelationBody,
  EntityListQuery,
  RelationListQuery,
  UpdateEntityBody,
} from '../../schema/api/inventory'
import type { CustomFieldDefinition } from '../../schema/inventory/custom-fields'
import type { StalenessSettings } from '../../schema/inventory/discovery'
import type { EntityDefinition } from '../../schema/inventory/entity'
import type { EntityKind } from '../../schema/inventory/kinds'
import type { OptionListName } from '../../schema/inventory/option-lists'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { ImportCandidate } from './csv-import'
import type { InventoryCaller } from './entity-access'
import type { RemoteTarget } from './inventory-decider'
import type { InventoryWrite } from './inventory-write'
import type { SiteInventory } from './site-inventory'

/** A site's inventory, as one caller reaches it; what the caller may do to each entity is decided inside. */
export class InventoryApi extends RpcTarget {
  constructor(
    private readonly inventory: SiteInventory,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  create(definition: EntityDefinition, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.create(definition, writer(caller, write)))
  }

  update(entityId: string, changes: UpdateEntityBody, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.update(entityId, changes, writer(caller, write)))
  }

  deactivate(entityId: string, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.deactivate(entityId, writer(caller, write)))
  }

  restore(entityId: string, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.restore(entityId, writer(caller, write)))
  }

  importEntities(
    candidates: ImportCandidate[],
    apply: 'all' | 'valid',
    caller: InventoryCaller,
    write: WriteContext,
  ) {
    return this.scope.answer(() => this.inventory.importEntities(candidates, apply, writer(caller, write)))
  }

  get(entityId: string, caller: InventoryCaller) {
    return this.scope.answer(() => this.inventory.get(entityId, caller))
  }

  list(query: EntityListQuery, caller: InventoryCaller) {
    return this.scope.answer(() => this.inventory.list(query, caller))
  }

  changes(entityId: string, caller: InventoryCaller) {
    return this.scope.answer(() => this.inventory.timeline.changes(entityId, caller))
  }

  at(entityId: string, at: string, caller: InventoryCaller) {
    return this.scope.answer(() => this.inventory.timeline.at(entityId, at, caller))
  }

  diff(entityId: string, from: string, to: string, caller: InventoryCaller) {
    return this.scope.answer(() => this.inventory.timeline.diff(entityId, from, to, caller))
  }

  relate(
    input: CreateRelationBody,
    remote: RemoteTarget | undefined,
    caller: InventoryCaller,
    write: WriteContext,
  ) {
    return this.scope.answer(() => this.inventory.links.relate(input, remote, writer(caller, write)))
  }

  relateMany(inputs: BatchRelation[], caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.links.relateMany(inputs, writer(caller, write)))
  }

  unrelate(relationId: string, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.links.unrelate(relationId, writer(caller, write)))
  }

  relations(query: RelationListQuery, caller: InventoryCaller) {
    return this.scope.answer(() => this.inventory.links.relations(query, caller))
  }

  grants(entityId: string, caller: InventoryCaller) {
    return this.scope.answer(() => this.inventory.links.grants(entityId, caller))
  }

  grant(entityId: string, input: CreateEntityGrantBody, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.links.grant(entityId, input, writer(caller, write)))
  }

  revoke(entityId: string, grantId: string, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.links.revoke(entityId, grantId, writer(caller, write)))
  }

  defineField(field: CustomFieldDefinition, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.settings.defineField(field, writer(caller, write)))
  }

  removeField(kind: EntityKind, name: string, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.settings.removeField(kind, name, writer(caller, write)))
  }

  fields() {
    return this.scope.answer(() => this.inventory.settings.fields())
  }

  setOptions(list: OptionListName, values: string[], caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() => this.inventory.settings.setOptions(list, values, writer(caller, write)))
  }

  options() {
    return this.scope.answer(() => this.inventory.settings.options())
  }

  setDiscoverySettings(settings: StalenessSettings, caller: InventoryCaller, write: WriteContext) {
    return this.scope.answer(() =>
      this.inventory.settings.setDiscoverySettings(settings, writer(caller, write)),
    )
  }

  discoverySettings() {
    return this.scope.answer(() => this.inventory.settings.discoverySettings())
  }
}

const writer = (caller: InventoryCaller, write: WriteContext): InventoryWrite => ({
  caller,
  actor: actorOf(write),
  idempotency: write.idempotency,
})
