import type {
  Consumer,
  ListResourcesQuery,
  Resource,
  ResourceBundle,
  StatusHistoryEntry,
} from '../../schema/api/resources'
import type { ResourceType } from '../../schema/resources/resource'
import { apiError } from '../http/errors'
import type { Reply } from '../lib/idempotency'
import { type Page, pageReply, toPage } from '../lib/paging'
import type { SiteKernel } from '../site/feature'
import type { ConsumerRow, ResourceBook, ResourceRow } from './resource-book'
import { type ResourceEntry, type ResourceState, requireResource } from './resource-decider'
import type { AgentRow } from './resource-keepers'
import { bundleView, consumerView, historyView, resourceView } from './resource-views'

/** A resource of either type, as its own view shows it. */
export type AnyResource<K extends ResourceType> = K extends 'single' ? Resource : ResourceBundle

/** Which page of a list by offset, and fields that must equal a value. */
export interface ResourceSearch {
  offset: number
  limit: number
  consumer_name?: string
  name?: string
  id?: string
}

/** A page of a list by offset, and how many items match in all. */
export interface Found<T> {
  total: number
  items: T[]
}

/** The site's consumers, resources and bundles as callers read them, and the state commands are decided on. */
export class ResourceReads {
  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: ResourceBook,
    private readonly agent: (agentId: string) => AgentRow | undefined,
  ) {}

  getConsumer(consumerId: string): Reply<Consumer> {
    this.kernel.scope.present()
    return { status: 200, body: this.consumerView(this.requireConsumer(consumerId)) }
  }

  consumerNamed(name: string): Reply<Consumer> {
    this.kernel.scope.present()
    const row = this.book.consumerNamed(name)
    if (!row) throw apiError(404, 'not_found', 'consumer not found')
    return { status: 200, body: this.consumerView(row) }
  }

  listConsumers(limit: number, cursor: string | undefined): Reply<Page<Consumer>> {
    this.kernel.scope.present()
    return pageReply(this.book.consumers(limit, cursor), limit, (row) => this.consumerView(row))
  }

  get<K extends ResourceType>(kind: K, resourceId: string): Reply<AnyResource<K>> {
    this.kernel.scope.present()
    return { status: 200, body: this.view(kind, this.requireRow(resourceId, kind)) }
  }

  list<K extends ResourceType>(kind: K, query: ListResourcesQuery): Reply<Page<AnyResource<K>>> {
    this.kernel.scope.present()
    const rows = this.book.resources(kind, {
      limit: query.limit,
      cursor: query.cursor,
      consumerId: query.consumer_id,
    })
    return pageReply(rows, query.limit, (row) => this.view(kind, row))
  }

  /** A page of resources by offset and exact fields, and how many match: for maestro's lists. */
  find<K extends ResourceType>(kind: K, search: ResourceSearch): Reply<Found<AnyResource<K>>> {
    this.kernel.scope.present()
    let consumerId: string | undefined
    if (search.consumer_name !== undefined) {
      consumerId = this.book.consumerNamed(search.consumer_name)?.id
      if (consumerId === undefined) return { status: 200, body: { total: 0, items: [] } }
    }
    const { rows, total } = this.book.resourcePage(
      kind,
      { consumerId, name: search.name, id: search.id },
      search.offset,
      search.limit,
    )
    return { status: 200, body: { total, items: rows.map((row) => this.view(kind, row)) } }
  }

  findConsumers(search: Omit<ResourceSearch, 'consumer_name'>): Reply<Found<Consumer>> {
    this.kernel.scope.present()
    const { rows, total } = this.book.consumerPage(
      { name: search.name, id: search.id },
      search.offset,
      search.limit,
    )
    return { status: 200, body: { total, items: rows.map((row) => this.consumerView(row)) } }
  }

  /** A resource's status reports, newest first. */
  history(
    kind: ResourceType,
    resourceId: string,
    limit: number,
    cursor: string | undefined,
  ): Reply<Page<StatusHistoryEntry>> {
    this.kernel.scope.present()
    this.requireRow(resourceId, kind)
    const rows = this.book.history(resourceId, limit, cursor === undefined ? undefined : Number(cursor))
    return {
      status: 200,
      body: toPage(
        rows,
        limit,
        (page) => page.map(historyView),
        (last) => String(last.seq),
      ),
    }
  }

  stateOf(row: ResourceRow): ResourceState {
    return { consumers: {}, resources: { [row.id]: this.entry(row) } }
  }

  entry(row: ResourceRow): ResourceEntry {
    return {
      id: row.id,
      consumerId: row.consumerId,
      version: row.version,
      spec: row.spec,
      deleting: row.deleteRequestedAt !== null,
      // Only agents that may still report hold it: a revoked one never will.
      heldBy: this.book
        .statuses(row.id)
        .filter((status) => !status.deleted && this.agent(status.agentId)?.status === 'approved')
        .map((status) => status.agentId),
    }
  }

  requireConsumer(consumerId: string): ConsumerRow {
    const row = this.book.consumer(consumerId)
    if (!row) throw apiError(404, 'not_found', 'consumer not found')
    return row
  }

  requireRow(resourceId: string, kind: ResourceType): ResourceRow {
    const row = this.book.resource(resourceId)
    if (!row)
      throw apiError(404, 'not_found', kind === 'single' ? 'resource not found' : 'resource bundle not found')
    requireResource(this.stateOf(row), resourceId, kind)
    return row
  }

  consumerView(row: ConsumerRow): Consumer {
    return consumerView(row, this.kernel.scope.present().id)
  }

  view<K extends ResourceType>(kind: K, row: ResourceRow): AnyResource<K> {
    const siteId = this.kernel.scope.present().id
    const consumer = this.book.consumer(row.consumerId)
    if (!consumer) throw new Error(`resource ${row.id} has no consumer`)
    const statuses = this.book.statuses(row.id)
    return (
      kind === 'single'
        ? resourceView(row, siteId, consumer, statuses)
        : bundleView(row, siteId, consumer, statuses)
    ) as AnyResource<K>
  }
}
