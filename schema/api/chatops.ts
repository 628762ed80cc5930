import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, Ulid } from '../common'

/** A Slack workspace id (`T…`), or an Enterprise Grid organisation's (`E…`). */
export const SlackTeamId = v.pipe(
  v.string(),
  v.regex(/^[TE][A-Z0-9]{2,30}$/, 'a Slack team id such as T0123ABCD'),
)

/** A Slack member id (`U…`, or `W…` in Enterprise Grid). */
export const SlackUserId = v.pipe(
  v.string(),
  v.regex(/^[UW][A-Z0-9]{2,30}$/, 'a Slack user id such as U0123ABCD'),
)

/** The app's signing secret as Slack shows it (32 hex characters today; any long token is taken). */
const SigningSecret = v.pipe(
  v.string(),
  v.regex(/^\S{16,256}$/, 'the signing secret from the Slack app’s Basic Information page'),
)

/**
 * `PUT /v1/chatops/slack`: turns chat-ops on or changes it. `signing_secret` replaces the one
 * kept; it may be left out once one is kept, to change only the team or the default site.
 */
export const PutSlackAppBody = v.strictObject({
  team_id: SlackTeamId,
  default_site_id: Ulid,
  signing_secret: v.optional(SigningSecret),
})
export type PutSlackAppBody = v.InferOutput<typeof PutSlackAppBody>

/** The Slack app as the API shows it: never its signing secret. */
export const SlackApp = v.object({
  team_id: SlackTeamId,
  default_site_id: Ulid,
  /** Where Slack posts slash commands, after the platform's address. */
  command_path: v.string(),
  updated_at: Timestamp,
  updated_by: v.string(),
})
export type SlackApp = v.InferOutput<typeof SlackApp>

/** `POST /v1/chatops/slack/link-codes`: a one-time code, shown once (null when an `Idempotency-Key` repeat answers). */
export const SlackLinkCode = v.object({
  code: v.nullable(v.string()),
  user_id: Ulid,
  expires_at: Timestamp,
  /** What to type in Slack. */
  command: v.nullable(v.string()),
})
export type SlackLinkCode = v.InferOutput<typeof SlackLinkCode>

export const SlackLink = v.object({
  id: Ulid,
  team_id: SlackTeamId,
  slack_user_id: SlackUserId,
  user_id: Ulid,
  created_at: Timestamp,
})
export type SlackLink = v.InferOutput<typeof SlackLink>
export const SlackLinkPage = pageOf(SlackLink)

export const ListSlackLinksQuery = v.object({ ...PageQuery.entries, cursor: v.optional(Ulid) })
export type ListSlackLinksQuery = v.InferOutput<typeof ListSlackLinksQuery>

/**
 * A slash command as Slack posts it (form-encoded); the other fields Slack sends (`token`,
 * `channel_id`, `trigger_id`, …) are not used. `response_url` must be Slack's own, since the
 * platform posts to it later.
 */
export const SlashCommandForm = v.object({
  team_id: SlackTeamId,
  user_id: SlackUserId,
  command: v.pipe(v.string(), v.regex(/^\/[a-z0-9_-]{1,32}$/, 'a slash command such as /sitewire')),
  text: v.pipe(v.string(), v.maxLength(4000)),
  response_url: v.pipe(
    v.string(),
    v.url(),
    v.startsWith('https://hooks.slack.com/', 'Slack’s response_url is on https://hooks.slack.com/'),
  ),
})
export type SlashCommandForm = v.InferOutput<typeof SlashCommandForm>

/** A Slack message as a slash command's answer or a post to `response_url`. */
export interface SlackMessage {
  response_type: 'ephemeral' | 'in_channel'
  text: string
  blocks?: SlackBlock[]
  /** On `response_url`: false posts a new message instead of replacing the command's. */
  replace_original?: boolean
}

export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'divider' }
