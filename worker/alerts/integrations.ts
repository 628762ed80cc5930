import { monotonicFactory } from 'ulid'
import type { IntegrationSettings } from '../../schema/alerts/integration-settings'
import type { IntegrationRouting } from '../../schema/alerts/routing'
import type {
  CreateIntegrationBody,
  Delivery,
  HookRefusal,
  Integration,
  IntegrationWithSecret,
  UpdateIntegrationBody,
} from '../../schema/api/alerts'
import { type AlertDeliveryReceived, EventType } from '../../schema/events'
import { randomToken } from '../auth/api-keys'
import { apiError } from '../http/errors'
import { toBase64 } from '../lib/base64'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, pageReply, toPage } from '../lib/paging'
import type { SiteKernel } from '../site/feature'
import type { SiteScope } from '../site/site-scope'
import { IntegrationBook, type IntegrationRow } from './integration-book'
import { senderSetup } from './senders/setup-snippets'

const nextId = monotonicFactory()

/** Where an integration's sender posts, after the platform's address (`origin`). */
export const hookPath = (siteId: string, integrationId: string) => `/v1/hooks/${siteId}/${integrationId}`

/** The settings a change leaves an integration: those given, of its own kind, or else its own. */
export const changedSettings = (row: IntegrationRow, given: IntegrationSettings | undefined) => {
  const settings = given ?? row.settings
  if (settings.kind !== row.kind)
    throw apiError(
      422,
      'kind_changed',
      `this integration is ${row.kind}; create another for ${settings.kind}`,
    )
  return settings
}

/** An integration as the API shows it, a site's (no routing) or the tenant's (no site). */
export const toIntegration = (
  row: IntegrationRow,
  place: { siteId: string | null; routing: IntegrationRouting | null; path: string },
  origin: string,
): Integration => ({
  id: row.id,
  site_id: place.siteId,
  name: row.name,
  kind: row.kind,
  settings: row.settings,
  hook_path: place.path,
  routing: place.routing,
  secrets: row.secretCount,
  setup: senderSetup(row.kind, row.settings, origin + place.path),
  created_at: row.createdAt,
  created_by: row.createdBy,
  updated_at: row.updatedAt,
})

/** A new secret in the form the kind's signing scheme expects: Standard Webhooks keys are `whsec_` + base64. */
export const newSecret = (settings: IntegrationSettings) =>
  settings.kind === 'webhook' && settings.signing === 'standard_webhooks'
    ? `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`
    : randomToken()

/**
 * A site's alert integrations: one authenticated endpoint per sender, with one secret (two
 * while rotating) kept beside the log, never in it.
 */
export class Integrations {
  private readonly scope: SiteScope

  readonly book: IntegrationBook

  constructor(private readonly kernel: SiteKernel) {
    this.scope = kernel.scope
    this.book = new IntegrationBook(kernel.db)
  }

  create(
    input: CreateIntegrationBody,
    origin: string,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<IntegrationWithSecret> {
    this.scope.active()
    const integrationId = nextId()
    const secret = newSecret(input.settings)
    return this.withSecret(idempotency, integrationId, origin, actor, 201, secret, [
      {
        type: EventType.integrationCreated,
        data: { integration_id: integrationId, name: input.name, settings: input.settings },
      },
    ])
  }

  update(
    integrationId: string,
    input: UpdateIntegrationBody,
    origin: string,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<Integration> {
    this.scope.active()
    const row = this.require(integrationId)
    const settings = changedSettings(row, input.settings)
    return this.kernel.write(
      idempotency,
      { subject: integrationId, actor },
      () => [
        {
          type: EventType.integrationUpdated,
          data: { integration_id: integrationId, name: input.name ?? row.name, settings },
        },
      ],
      () => ({ status: 200, body: this.view(this.require(integrationId), origin) }),
    )
  }

  /** A new secret; the one before stays valid until retired, so senders can be moved over one by one. */
  rotate(
    integrationId: string,
    origin: string,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<IntegrationWithSecret> {
    this.scope.active()
    const row = this.require(integrationId)
    const [current] = this.book.secrets(integrationId)
    const secret = newSecret(row.settings)
    return this.withSecret(
      idempotency,
      integrationId,
      origin,
      actor,
      200,
      secret,
      [
        {
          type: EventType.integrationSecretRotated,
          data: { integration_id: integrationId, secrets: current ? 2 : 1 },
        },
      ],
      current,
    )
  }

  /** Drops the secret a rotation kept: only the newest is valid afterwards. */
  retire(
    integrationId: string,
    origin: string,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<Integration> {
    this.scope.active()
    this.require(integrationId)
    const secrets = this.book.secrets(integrationId)
    if (secrets.length < 2) throw apiError(409, 'nothing_to_retire', 'the integration has a single secret')
    return this.kernel.write(
      idempotency,
      { subject: integrationId, actor },
      () => [
        { type: EventType.integrationSecretRotated, data: { integration_id: integrationId, secrets: 1 } },
      ],
      () => {
        this.book.storeSecrets(integrationId, secrets.slice(0, 1))
        return { status: 200, body: this.view(this.require(integrationId), origin) }
      },
    )
  }

  remove(
    integrationId: string,
    origin: string,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<Integration> {
    this.scope.active()
    const before = this.view(this.require(integrationId), origin)
    return this.kernel.write(
      idempotency,
      { subject: integrationId, actor },
      () => [{ type: EventType.integrationDeleted, data: { integration_id: integrationId } }],
      () => {
        this.book.storeSecrets(integrationId, [])
        return { status: 200, body: before }
      },
    )
  }

  get(integrationId: string, origin: string): Reply<Integration> {
    this.scope.present()
    return { status: 200, body: this.view(this.require(integrationId), origin) }
  }

  list(limit: number, cursor: string | undefined, origin: string): Reply<Page<Integration>> {
    this.scope.present()
    return pageReply(this.book.integrations(limit, cursor), limit, (row) => this.view(row, origin))
  }

  refusals(integrationId: string): Reply<{ items: HookRefusal[] }> {
    this.scope.present()
    this.require(integrationId)
    const items = this.book.refusals(integrationId).map((row) => ({
      source_address: row.sourceAddress,
      reason: row.reason,
      count: row.count,
      last_at: row.lastAt,
    }))
    return { status: 200, body: { items } }
  }

  /** Recorded deliveries, oldest first; the cursor is the log position of the last one shown. */
  deliveries(integrationId: string, limit: number, cursor: string | undefined): Reply<Page<Delivery>> {
    this.scope.present()
    this.require(integrationId)
    const after = cursor === undefined ? 0 : Number.parseInt(cursor, 10) || 0
    const events = this.kernel.log.readSubject(
      integrationId,
      EventType.alertDeliveryReceived,
      after,
      limit + 1,
    )
    const body = toPage(
      events,
      limit,
      (page) =>
        page.map((event) => {
          const { delivery_id, kind: _kind, ...rest } = event.data as AlertDeliveryReceived
          return { id: delivery_id, received_at: event.time, ...rest }
        }),
      (event) => String(event.seq),
    )
    return { status: 200, body }
  }

  /** The integration, or 404 (also once deleted). */
  require(integrationId: string): IntegrationRow {
    const row = this.book.integration(integrationId)
    if (!row) throw apiError(404, 'not_found', 'integration not found')
    return row
  }

  view(row: IntegrationRow, origin: string): Integration {
    const siteId = this.scope.present().id
    return toIntegration(row, { siteId, routing: null, path: hookPath(siteId, row.id) }, origin)
  }

  /** Stores the events and the secrets they speak of in one transaction; a repeat answers without the secret. */
  private withSecret(
    idempotency: IdempotencyClaim | undefined,
    integrationId: string,
    origin: string,
    actor: string,
    status: 200 | 201,
    secret: string,
    bodies: Parameters<SiteScope['events']>[0],
    previous?: string,
  ): Reply<IntegrationWithSecret> {
    return this.kernel.commit<IntegrationWithSecret>(idempotency, (time) => ({
      events: this.scope.events(bodies, integrationId, actor, time),
      reply: () => {
        this.book.storeSecrets(integrationId, previous === undefined ? [secret] : [secret, previous])
        return { status, body: { ...this.view(this.require(integrationId), origin), secret } }
      },
      replay: (body) => ({ ...body, secret: null }),
    }))
  }
}
