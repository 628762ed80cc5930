import { RpcTarget } from 'cloudflare:workers'
import type {
  AlertCountsQuery,
  CreateIntegrationBody,
  CreateSilenceBody,
  ListAlertsQuery,
  UpdateIntegrationBody,
} from '../../schema/api/alerts'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { SiteAlerts } from './site-alerts'

/** A site's alerts, integrations and silences, as one caller reaches them. */
export class AlertsApi extends RpcTarget {
  constructor(
    private readonly alerts: SiteAlerts,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  // Alerts

  list(query: ListAlertsQuery) {
    return this.scope.answer(() => this.alerts.list(query))
  }

  counts(query: AlertCountsQuery) {
    return this.scope.answer(() => this.alerts.counts(query))
  }

  get(alertId: string) {
    return this.scope.answer(() => this.alerts.get(alertId))
  }

  history(alertId: string) {
    return this.scope.answer(() => this.alerts.history(alertId))
  }

  acknowledge(alertId: string, note: string, write: WriteContext) {
    return this.scope.answer(() => this.alerts.acknowledge(alertId, note, actorOf(write), write.idempotency))
  }

  resolve(alertId: string, write: WriteContext) {
    return this.scope.answer(() => this.alerts.resolve(alertId, actorOf(write), write.idempotency))
  }

  // Integrations

  createIntegration(input: CreateIntegrationBody, origin: string, write: WriteContext) {
    return this.scope.answer(() =>
      this.alerts.integrations.create(input, origin, actorOf(write), write.idempotency),
    )
  }

  updateIntegration(
    integrationId: string,
    input: UpdateIntegrationBody,
    origin: string,
    write: WriteContext,
  ) {
    return this.scope.answer(() =>
      this.alerts.integrations.update(integrationId, input, origin, actorOf(write), write.idempotency),
    )
  }

  rotateSecret(integrationId: string, origin: string, write: WriteContext) {
    return this.scope.answer(() =>
      this.alerts.integrations.rotate(integrationId, origin, actorOf(write), write.idempotency),
    )
  }

  retireSecret(integrationId: string, origin: string, write: WriteContext) {
    return this.scope.answer(() =>
      this.alerts.integrations.retire(integrationId, origin, actorOf(write), write.idempotency),
    )
  }

  deleteIntegration(integrationId: string, origin: string, write: WriteContext) {
    return this.scope.answer(() =>
      this.alerts.integrations.remove(integrationId, origin, actorOf(write), write.idempotency),
    )
  }

  integration(integrationId: string, origin: string) {
    return this.scope.answer(() => this.alerts.integrations.get(integrationId, origin))
  }

  integrations(limit: number, cursor: string | undefined, origin: string) {
    return this.scope.answer(() => this.alerts.integrations.list(limit, cursor, origin))
  }

  refusals(integrationId: string) {
    return this.scope.answer(() => this.alerts.integrations.refusals(integrationId))
  }

  deliveries(integrationId: string, limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.alerts.integrations.deliveries(integrationId, limit, cursor))
  }

  // Silences

  createSilence(input: CreateSilenceBody, write: WriteContext) {
    return this.scope.answer(() => this.alerts.silences.create(input, actorOf(write), write.idempotency))
  }

  deleteSilence(silenceId: string, write: WriteContext) {
    return this.scope.answer(() => this.alerts.silences.remove(silenceId, actorOf(write), write.idempotency))
  }

  silence(silenceId: string) {
    return this.scope.answer(() => this.alerts.silences.get(silenceId))
  }

  silences(limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.alerts.silences.list(limit, cursor))
  }
}
