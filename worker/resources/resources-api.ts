import { RpcTarget } from 'cloudflare:workers'
import type { CreateConsumerBody, ListResourcesQuery } from '../../schema/api/resources'
import type { ResourceSettings, ResourceSpec, ResourceType } from '../../schema/resources/resource'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { ResourceSearch } from './resource-reads'
import { patchSpec, type SpecPatch } from './resource-spec'
import type { SiteResources } from './site-resources'

/** A site's consumers, resources and bundles, as one caller reaches them. */
export class ResourcesApi extends RpcTarget {
  constructor(
    private readonly resources: SiteResources,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  getSettings() {
    return this.scope.answer(() => this.resources.getSettings())
  }

  updateSettings(settings: ResourceSettings, write: WriteContext) {
    return this.scope.answer(() => this.resources.updateSettings(settings, actorOf(write), write.idempotency))
  }

  createConsumer(input: CreateConsumerBody, write: WriteContext) {
    return this.scope.answer(() => this.resources.createConsumer(input, actorOf(write), write.idempotency))
  }

  deleteConsumer(consumerId: string, write: WriteContext) {
    return this.scope.answer(() =>
      this.resources.deleteConsumer(consumerId, actorOf(write), write.idempotency),
    )
  }

  getConsumer(consumerId: string) {
    return this.scope.answer(() => this.resources.reads.getConsumer(consumerId))
  }

  consumerNamed(name: string) {
    return this.scope.answer(() => this.resources.reads.consumerNamed(name))
  }

  listConsumers(limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.resources.reads.listConsumers(limit, cursor))
  }

  create<K extends ResourceType>(kind: K, consumerId: string, spec: ResourceSpec, write: WriteContext) {
    return this.scope.answer(() =>
      this.resources.create(kind, consumerId, spec, actorOf(write), write.idempotency),
    )
  }

  update<K extends ResourceType>(
    kind: K,
    resourceId: string,
    version: number,
    patch: SpecPatch,
    write: WriteContext,
  ) {
    return this.scope.answer(() =>
      this.resources.update(
        kind,
        resourceId,
        version,
        (spec) => patchSpec(spec, patch),
        actorOf(write),
        write.idempotency,
      ),
    )
  }

  delete<K extends ResourceType>(kind: K, resourceId: string, write: WriteContext) {
    return this.scope.answer(() => this.resources.remove(kind, resourceId, actorOf(write), write.idempotency))
  }

  get<K extends ResourceType>(kind: K, resourceId: string) {
    return this.scope.answer(() => this.resources.reads.get(kind, resourceId))
  }

  list<K extends ResourceType>(kind: K, query: ListResourcesQuery) {
    return this.scope.answer(() => this.resources.reads.list(kind, query))
  }

  find<K extends ResourceType>(kind: K, search: ResourceSearch) {
    return this.scope.answer(() => this.resources.reads.find(kind, search))
  }

  findConsumers(search: Omit<ResourceSearch, 'consumer_name'>) {
    return this.scope.answer(() => this.resources.reads.findConsumers(search))
  }

  history(kind: ResourceType, resourceId: string, limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.resources.reads.history(kind, resourceId, limit, cursor))
  }
}
