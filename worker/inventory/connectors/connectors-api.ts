import { RpcTarget } from 'cloudflare:workers'
import type {
  ConnectorResourceType,
  CreateConnectorBody,
  UpdateConnectorBody,
} from '../../../schema/inventory/connectors'
import { actorOf, type WriteContext } from '../../auth/caller'
import type { CallerScope } from '../../site/caller-scope'
import type { SiteConnectors } from './site-connectors'

/** A site's cloud connectors, as one caller reaches them. */
export class ConnectorsApi extends RpcTarget {
  constructor(
    private readonly connectors: SiteConnectors,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  create(body: CreateConnectorBody, write: WriteContext) {
    return this.scope.answer(() => this.connectors.create(body, actorOf(write), write.idempotency))
  }

  update(connectorId: string, patch: UpdateConnectorBody, write: WriteContext) {
    return this.scope.answer(() =>
      this.connectors.update(connectorId, patch, actorOf(write), write.idempotency),
    )
  }

  delete(connectorId: string, write: WriteContext) {
    return this.scope.answer(() => this.connectors.remove(connectorId, actorOf(write), write.idempotency))
  }

  sync(connectorId: string, resourceTypes: ConnectorResourceType[] | undefined, write: WriteContext) {
    return this.scope.answer(() =>
      this.connectors.requestSync(connectorId, resourceTypes, actorOf(write), write.idempotency),
    )
  }

  get(connectorId: string) {
    return this.scope.answer(() => this.connectors.get(connectorId))
  }

  list(limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.connectors.list(limit, cursor))
  }

  syncs(connectorId: string, limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.connectors.syncs(connectorId, limit, cursor))
  }
}
