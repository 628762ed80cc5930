import { SCOPES } from '../../schema/api/access'
import type { PutSlackAppBody, SlackApp, SlackLink, SlackLinkCode } from '../../schema/api/chatops'
import type { Principal } from '../access/principal'
import { sha256Hex } from '../auth/api-keys'
import type { WriteContext } from '../auth/caller'
import { apiError, notFound, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import { byId, type Page, toPage } from '../lib/paging'
import type { ApiKeyStore } from './api-key-store'
import type { Commands } from './command'
import type { GrantStore } from './grant-store'
import { type SlackAppRow, type SlackStore, toSlackApp, toSlackLink } from './slack-store'
import type { UserStore } from './user-store'

/** How long a link code may wait to be typed in Slack. */
export const LINK_CODE_TTL_MS = 10 * 60_000
/** Crockford's base32: no I, L, O or U to misread. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const CODE_LENGTH = 10

const newCode = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(CODE_LENGTH)), (byte) => CODE_ALPHABET[byte & 31]).join('')

/** Codes are typed by people: case and separators don't count. */
export const normaliseCode = (code: string) => code.toUpperCase().replace(/[^0-9A-Z]/g, '')

/** A linked Slack user, as the platform lets them act: as their Sitewire user, with that user's roles now. */
export interface SlackActor {
  userId: string
  principal: Principal
}

export type LinkOutcome = { linked: true; userId: string } | { linked: false }

/**
 * A tenant's Slack chat-ops: the app's configuration, codes and links between Slack users
 * and Sitewire users, and who a Slack user acts as. Every change is audited like the other
 * changes of access.
 */
export class SlackChatops {
  constructor(
    private readonly tenantId: () => string,
    private readonly slack: SlackStore,
    private readonly users: UserStore,
    private readonly keys: ApiKeyStore,
    private readonly grants: GrantStore,
    private readonly commands: Commands,
  ) {}

  /** The app with its signing secret, for checking Slack's requests; never for an answer. */
  app(): SlackAppRow | undefined {
    return this.slack.app()
  }

  configure(spec: PutSlackAppBody, siteExists: boolean, write: WriteContext): Answer<SlackApp> {
    return this.commands.run(write, 'chatops.slack.configure', 'slack_app', () => {
      const current = this.slack.app()
      const signingSecret = spec.signing_secret ?? current?.signingSecret
      if (!signingSecret)
        throw apiError(422, 'signing_secret_required', 'give the Slack app’s signing_secret', [
          { path: 'signing_secret', message: 'required until one is kept' },
        ])
      if (!siteExists)
        throw apiError(422, 'unknown_site', `no site ${spec.default_site_id} in this tenant`, [
          { path: 'default_site_id', message: 'not a site of this tenant' },
        ])
      const row: SlackAppRow = {
        teamId: spec.team_id,
        signingSecret,
        defaultSiteId: spec.default_site_id,
        updatedAt: new Date(),
        updatedBy: `${write.caller.actor.type}/${write.caller.actor.id}`,
      }
      this.slack.putApp(row)
      return {
        status: 200,
        body: toSlackApp(row, this.tenantId()),
        objectId: spec.team_id,
        details: {
          team_id: spec.team_id,
          default_site_id: spec.default_site_id,
          signing_secret_changed: spec.signing_secret !== undefined,
        },
      }
    })
  }

  get(): Answer<SlackApp> {
    const row = this.slack.app()
    return row ? { status: 200, body: toSlackApp(row, this.tenantId()) } : refusal(notConfigured())
  }

  remove(write: WriteContext): Answer<null> {
    return this.commands.run(write, 'chatops.slack.remove', 'slack_app', () => {
      const row = this.slack.removeApp()
      if (!row) throw notConfigured()
      return { status: 204, body: null, objectId: row.teamId, details: null }
    })
  }

  /**
   * A one-time code for the calling user: a signed-in user, or an API key a user made (it
   * links that user). Shown once; only its hash is kept.
   */
  async issueCode(write: WriteContext, now = Date.now()): Promise<Answer<SlackLinkCode>> {
    const code = newCode()
    const hash = await sha256Hex(code)
    return this.commands.run(write, 'chatops.slack.link_code', 'user', () => {
      if (!this.slack.app()) throw notConfigured()
      const userId = this.userBehind(write.caller.actor)
      const expiresAt = new Date(now + LINK_CODE_TTL_MS)
      this.slack.addCode(hash, userId, expiresAt)
      const body = { user_id: userId, expires_at: expiresAt.toISOString() }
      return {
        status: 201,
        body: { ...body, code, command: `/sitewire link ${code}` },
        replay: { ...body, code: null, command: null },
        objectId: userId,
        details: { expires_at: body.expires_at },
      }
    })
  }

  /** `/sitewire link <code>` from a (verified) Slack user: the code is spent either way. */
  async redeem(teamId: string, slackUserId: string, code: string, now = Date.now()): Promise<LinkOutcome> {
    const hash = await sha256Hex(normaliseCode(code))
    const write = { caller: { actor: { type: 'anonymous' as const, id: null }, address: null } }
    const answer = this.commands.run(write, 'chatops.slack.link', 'slack_link', () => {
      const userId = this.slack.takeCode(hash, now)
      if (!userId || !this.isActive(userId))
        throw apiError(422, 'invalid_link_code', 'the code is unknown, used or expired')
      const row = this.slack.link(teamId, slackUserId, userId, new Date(now))
      return {
        status: 201,
        body: userId,
        objectId: row.id,
        details: { team_id: teamId, slack_user_id: slackUserId, user_id: userId },
        actor: { type: 'user', id: userId },
      }
    })
    return answer.status === 201 ? { linked: true, userId: answer.body as string } : { linked: false }
  }

  /** Links of every user for an admin (`userId` null), or of one user. */
  links(limit: number, cursor: string | undefined, userId: string | null): Answer<Page<SlackLink>> {
    const rows = this.slack.links(limit + 1, cursor, userId)
    return { status: 200, body: toPage(rows, limit, (page) => page.map(toSlackLink), byId) }
  }

  /** Removes a link; `ownerOnly` names the user who may remove it when the caller is not an admin. */
  unlink(id: string, ownerOnly: boolean, write: WriteContext): Answer<SlackLink> {
    return this.commands.run(write, 'chatops.slack.unlink', 'slack_link', () => {
      const row = this.slack.getLink(id)
      if (!row || (ownerOnly && row.userId !== this.userBehind(write.caller.actor))) throw notFound('link')
      this.slack.unlink(id)
      return {
        status: 200,
        body: toSlackLink(row),
        objectId: id,
        details: { team_id: row.teamId, slack_user_id: row.slackUserId, user_id: row.userId },
      }
    })
  }

  /** The user an API caller is: themselves, or the user who made the key; 403 for a key no user made. */
  userOf(actor: { type: 'key' | 'user'; id: string }): string | null {
    if (actor.type === 'user') return actor.id
    const key = this.keys.get(actor.id)
    return key?.ownerType === 'user' && key.ownerId ? key.ownerId : null
  }

  /** Who a Slack user acts as, with their roles as granted now; null when not linked or the user is disabled. */
  actor(teamId: string, slackUserId: string): SlackActor | null {
    const link = this.slack.linkOf(teamId, slackUserId)
    if (!link || !this.isActive(link.userId)) return null
    return {
      userId: link.userId,
      principal: {
        tenantId: this.tenantId(),
        actor: { type: 'user', id: link.userId },
        scopes: SCOPES,
        siteRestriction: null,
        ...this.grants.rolesOf(link.userId),
        sessionId: null,
      },
    }
  }

  private userBehind(actor: { type: 'key' | 'user'; id: string }): string {
    const userId = this.userOf(actor)
    if (!userId)
      throw apiError(403, 'user_required', 'only a user, or an API key a user made, can be linked to Slack')
    return userId
  }

  private isActive(userId: string) {
    const user = this.users.get(userId)
    return user !== undefined && user.disabledAt === null
  }
}

const notConfigured = () => apiError(404, 'not_found', 'Slack chat-ops is not configured for this tenant')
