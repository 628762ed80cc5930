import type { PutSigningKeyBody, SigningKey } from '../../schema/api/agent-builds'
import type {
  CreateTenantIntegrationBody,
  TenantDeliveryQuery,
  UpdateTenantIntegrationBody,
} from '../../schema/api/alerts'
import type { PutSlackAppBody } from '../../schema/api/chatops'
import type { CreateSavedReportBody, UpdateSavedReportBody } from '../../schema/api/saved-reports'
import type { CreateSiteBody } from '../../schema/api/sites'
import type { Principal } from '../access/principal'
import { SigningKeyStore } from '../agent-builds/signing-key-store'
import type { HookInput } from '../alerts/hook-reading'
import type { WriteContext } from '../auth/caller'
import { ApiError, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import type { RunWatchRow } from './slack-store'
import { TenantAccessCalls } from './tenant-access-calls'

/**
 * One tenant: its API keys, users, teams and grants, its audit trail, its registry of sites,
 * Slack, tenant-wide integrations and saved reports. Every change is written with its audit
 * record in one transaction. The object only wires the parts (see tenant-parts.ts) and answers
 * their RPC calls: its wiring and alarm are in tenant-object-base.ts, the calls about people and
 * access in tenant-access-calls.ts, and the rest here.
 */
export class TenantObject extends TenantAccessCalls {
  // Chat-ops (Slack)

  /** The Slack app with its signing secret, for the commands endpoint only. */
  slackApp() {
    return this.parts.slack.app() ?? null
  }
  configureSlack(spec: PutSlackAppBody, write: WriteContext) {
    return this.parts.slack.configure(spec, this.parts.sites.has(spec.default_site_id), write)
  }
  getSlackApp() {
    return this.parts.slack.get()
  }
  removeSlack(write: WriteContext) {
    return this.parts.slack.remove(write)
  }
  issueSlackLinkCode(write: WriteContext) {
    return this.parts.slack.issueCode(write)
  }
  redeemSlackLinkCode(teamId: string, slackUserId: string, code: string) {
    return this.parts.slack.redeem(teamId, slackUserId, code)
  }

  /** The Sitewire user an API caller is, for showing them their own links; null for a key no user made. */
  slackUserOf(actor: { type: 'key' | 'user'; id: string }) {
    return this.parts.slack.userOf(actor)
  }
  listSlackLinks(limit: number, cursor: string | undefined, userId: string | null) {
    return this.parts.slack.links(limit, cursor, userId)
  }
  unlinkSlack(id: string, ownerOnly: boolean, write: WriteContext) {
    return this.parts.slack.unlink(id, ownerOnly, write)
  }
  slackActor(teamId: string, slackUserId: string) {
    return this.parts.slack.actor(teamId, slackUserId)
  }
  watchSlackRun(watch: Omit<RunWatchRow, 'deadlineAt'>) {
    return this.parts.runWatches.add(watch)
  }

  // Tenant-wide alert integrations

  createIntegration(spec: CreateTenantIntegrationBody, origin: string, write: WriteContext) {
    return this.parts.integrations.create(spec, origin, write)
  }
  listIntegrations(limit: number, cursor: string | undefined, origin: string) {
    return this.parts.integrations.list(limit, cursor, origin)
  }
  getIntegration(id: string, origin: string) {
    return this.parts.integrations.get(id, origin)
  }
  updateIntegration(id: string, spec: UpdateTenantIntegrationBody, origin: string, write: WriteContext) {
    return this.parts.integrations.update(id, spec, origin, write)
  }
  rotateIntegrationSecret(id: string, origin: string, write: WriteContext) {
    return this.parts.integrations.rotate(id, origin, write)
  }
  retireIntegrationSecret(id: string, origin: string, write: WriteContext) {
    return this.parts.integrations.retire(id, origin, write)
  }
  deleteIntegration(id: string, origin: string, write: WriteContext) {
    return this.parts.integrations.remove(id, origin, write)
  }
  integrationRefusals(id: string) {
    return this.parts.integrations.refusals(id)
  }
  integrationDeliveries(id: string, query: TenantDeliveryQuery) {
    return this.parts.integrations.deliveries(id, query)
  }

  /** A delivery from a sender to a tenant-wide integration: checked and read here, its alerts handed to their sites. */
  receiveHook(integrationId: string, input: HookInput) {
    return this.parts.integrations.receive(integrationId, input)
  }

  // Saved inventory reports

  createSavedReport(spec: CreateSavedReportBody, principal: Principal, write: WriteContext) {
    return this.parts.savedReports.create(spec, principal, write)
  }
  listSavedReports(principal: Principal, limit: number, cursor: string | undefined) {
    return this.parts.savedReports.list(principal, limit, cursor)
  }
  getSavedReport(id: string, principal: Principal) {
    return this.parts.savedReports.get(id, principal)
  }
  updateSavedReport(id: string, spec: UpdateSavedReportBody, principal: Principal, write: WriteContext) {
    return this.parts.savedReports.update(id, spec, principal, write)
  }
  deleteSavedReport(id: string, principal: Principal, write: WriteContext) {
    return this.parts.savedReports.delete(id, principal, write)
  }
  runSavedReport(id: string, principal: Principal, write: WriteContext) {
    return this.parts.savedReports.run(id, principal, write)
  }
  savedReportResults(id: string, principal: Principal, limit: number, cursor: string | undefined) {
    return this.parts.savedReports.results(id, principal, limit, cursor)
  }
  savedReportResultFile(id: string, resultId: string, principal: Principal) {
    return this.parts.savedReports.resultFile(id, resultId, principal)
  }

  // Agent builds

  /** The public key agents check builds with; null until the tenant sets one. */
  agentSigningKey(): SigningKey | null {
    return new SigningKeyStore(this.ctx.storage.kv).current()
  }
  async setAgentSigningKey(body: PutSigningKeyBody): Promise<Answer<SigningKey>> {
    try {
      const { key, created } = await new SigningKeyStore(this.ctx.storage.kv).set(body, Date.now())
      return { status: created ? 201 : 200, body: key }
    } catch (error) {
      if (error instanceof ApiError) return refusal(error)
      throw error
    }
  }

  // Sites

  createSite(input: CreateSiteBody, write: WriteContext) {
    return this.parts.sites.create(input, write)
  }
  hasSite(siteId: string): boolean {
    return this.parts.sites.has(siteId)
  }

  /** Has every site of the tenant drop and replay its projected rows. */
  rebuildProjections() {
    return this.parts.sites.rebuildProjections()
  }
}
