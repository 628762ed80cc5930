import { and, eq, sql } from 'drizzle-orm'
import * as v from 'valibot'
import type { Role } from '../../schema/api/access'
import { type Alert, ListAlertsQuery } from '../../schema/api/alerts'
import type { SlackMessage } from '../../schema/api/chatops'
import { RequestRunBody, type Run } from '../../schema/api/runs'
import type { Site } from '../../schema/api/sites'
import { ListTasksQuery, type Task } from '../../schema/api/tasks'
import { Ulid } from '../../schema/common'
import { alerts, sites } from '../../schema/db/projections'
import { typedParams } from '../../schema/tasks/param-text'
import { atLeast, roleOn } from '../access/principal'
import type { Caller } from '../auth/caller'
import type { Env } from '../env'
import { ApiError } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import type { Page } from '../lib/paging'
import { siteFor, tenantOf } from '../objects'
import { readProjections } from '../projections/connection'
import type { ProjectionsDb } from '../projections/database'
import { visibleRows } from '../projections/visible-rows'
import type { SlackActor } from '../tenant/slack-chatops'
import { acknowledged, alertsMessage, ephemeral, escapeMrkdwn, runRequested, usage } from './slack-messages'
import type { SlashCommand } from './slash-command'

/** Firing alerts listed by `/sitewire alerts`. */
export const ALERTS_SHOWN = 20

/** Everything a command needs: who asks (a linked user, with their roles now), and where. */
export interface CommandContext {
  env: Env
  tenantId: string
  teamId: string
  slackUserId: string
  defaultSiteId: string
  actor: SlackActor
  responseUrl: string
  /** The platform's own address, for links to the console. */
  origin: string
}

type SiteChoice = { ok: true; site: Site; role: Role } | { ok: false; message: SlackMessage }

const callerOf = (ctx: CommandContext): Caller => ({
  tenantId: ctx.tenantId,
  actor: { type: 'user', id: ctx.actor.userId },
  address: null,
})

/** An object's refusal as the person reads it in Slack; nothing was changed. */
const refused = (answer: Answer): SlackMessage =>
  ephemeral(`Not done: ${(answer.body as { error: { message: string } }).error.message}.`)

/** Runs a command as the linked user: exactly their roles, checked as the API's routes check them. */
export const runSlashCommand = async (
  ctx: CommandContext,
  command: Exclude<SlashCommand, { kind: 'link' }>,
): Promise<SlackMessage> => {
  switch (command.kind) {
    case 'help':
      return usage()
    case 'usage':
      return usage(command.problem)
    case 'alerts':
      return listAlerts(ctx, command.site)
    case 'ack':
      return acknowledge(ctx, command.alertId, command.note)
    case 'run':
      return requestRun(ctx, command)
  }
}

const listAlerts = async (ctx: CommandContext, siteName: string | null) => {
  const choice = await chooseSite(ctx, siteName, 'viewer', 'see its alerts')
  if (!choice.ok) return choice.message
  const query = v.parse(ListAlertsQuery, { limit: String(ALERTS_SHOWN), status: 'firing' })
  const answer = await siteFor(ctx.env, choice.site.id, callerOf(ctx)).alerts.list(query)
  if (answer.refused) return refused(answer)
  const page = answer.body as Page<Alert>
  return alertsMessage(choice.site.name, page.items, page.next_cursor !== null)
}

const acknowledge = async (ctx: CommandContext, alertId: string, note: string) => {
  // The alert's own site, from the projections; the default site while they have not caught up.
  const choice = await chooseSite(
    ctx,
    (await siteOfAlert(ctx, alertId)) ?? null,
    'operator',
    'acknowledge alerts',
  )
  if (!choice.ok) return choice.message
  const answer = await siteFor(ctx.env, choice.site.id, callerOf(ctx)).alerts.acknowledge(alertId, note, {
    caller: callerOf(ctx),
  })
  await audit(ctx, 'alert.acknowledge', choice.site.id, answer.status, { alert_id: alertId })
  if (answer.refused) return refused(answer)
  return acknowledged(answer.body as Alert, ctx.slackUserId)
}

const requestRun = async (ctx: CommandContext, command: Extract<SlashCommand, { kind: 'run' }>) => {
  const choice = await chooseSite(ctx, command.site, 'operator', 'run tasks')
  if (!choice.ok) return choice.message
  const site = siteFor(ctx.env, choice.site.id, callerOf(ctx))
  const found = await site.tasks.list(
    v.parse(ListTasksQuery, { q: command.task.slice(0, 200), limit: '1000' }),
  )
  if (found.refused) return refused(found)
  const task = byName((found.body as Page<Task>).items, command.task)
  if (!task) return ephemeral(`No task named *${escapeMrkdwn(command.task)}* on ${choice.site.name}.`)
  const params = typedParams(command.params, task.params)
  if (!params.ok)
    return ephemeral(`Not run: ${escapeMrkdwn(params.problem)}${params.hint ? ` (${params.hint})` : ''}.`)
  const answer = await site.runs.request(
    task.id,
    v.parse(RequestRunBody, { target: command.target, params: params.values }),
    { caller: callerOf(ctx) },
    {
      kind: 'chatops',
      app: 'slack',
      team_id: ctx.teamId,
      user_id: ctx.slackUserId,
    },
  )
  await audit(ctx, 'run.request', choice.site.id, answer.status, { task_id: task.id })
  if (answer.refused) return refused(answer)
  const run = answer.body as Run
  const runUrl = `${ctx.origin}/sites/${run.site_id}/runs/${run.id}`
  await tenantOf(ctx.env, ctx.tenantId).watchSlackRun({
    runId: run.id,
    siteId: run.site_id,
    userId: ctx.actor.userId,
    responseUrl: ctx.responseUrl,
    runUrl,
  })
  const agents = Object.values(run.agents).reduce((sum, count) => sum + count, 0)
  return runRequested(task.name, agents, run.id, runUrl)
}

/** The task with exactly this name; else the one whose name differs only in case, if it is the only one. */
const byName = (tasks: readonly Task[], name: string) => {
  const exact = tasks.find((task) => task.name === name)
  if (exact) return exact
  const folded = tasks.filter((task) => task.name.toLowerCase() === name.toLowerCase())
  return folded.length === 1 ? folded[0] : undefined
}

/**
 * The site a command acts on (the default one unless named, by id or by name) and the user's
 * role there; a site the user may not see reads as one that does not exist.
 */
const chooseSite = async (
  ctx: CommandContext,
  named: string | null,
  needed: Role,
  doing: string,
): Promise<SiteChoice> => {
  const ids =
    named === null ? [ctx.defaultSiteId] : v.is(Ulid, named) ? [named] : await siteIdsNamed(ctx, named)
  if (ids === null)
    return {
      ok: false,
      message: ephemeral('Sites cannot be found by name just now; give the site’s id, or try again.'),
    }
  if (ids.length > 1)
    return { ok: false, message: ephemeral(`Several sites are named *${named}*; give its id.`) }
  const siteId = ids[0]
  const role = siteId ? roleOn(ctx.actor.principal, siteId) : null
  const answer = siteId && role ? await siteFor(ctx.env, siteId, callerOf(ctx)).site.get() : null
  if (!siteId || !role || !answer || answer.refused)
    return { ok: false, message: ephemeral(`No site ${named ? `*${named}* ` : ''}that you can see.`) }
  const site = answer.body as Site
  if (!atLeast(role, needed))
    return {
      ok: false,
      message: ephemeral(`To ${doing} on ${site.name} you need the ${needed} role; you are ${role} there.`),
    }
  return { ok: true, site, role }
}

/** A read from the projections, or null when they are unreachable: chat-ops then falls back or says so. */
const projected = async <T>(
  ctx: CommandContext,
  query: (db: ProjectionsDb) => Promise<T>,
): Promise<T | null> => {
  try {
    return await readProjections(ctx.env, query)
  } catch (error) {
    if (error instanceof ApiError) return null
    throw error
  }
}

/** Sites the user may see with this name, any case; null when the projections are unreachable. */
const siteIdsNamed = async (ctx: CommandContext, name: string): Promise<string[] | null> => {
  const rows = await projected(ctx, (db) =>
    db
      .select({ id: sites.id })
      .from(sites)
      .where(
        and(
          visibleRows(ctx.actor.principal, sites.tenantId, sites.id),
          sql`lower(${sites.name}) = ${name.toLowerCase()}`,
        ),
      )
      .limit(2),
  )
  return rows?.map((row) => row.id) ?? null
}

/** The site of an alert the user may see, from the projections; undefined when unknown or unreachable. */
const siteOfAlert = async (ctx: CommandContext, alertId: string): Promise<string | undefined> => {
  if (!v.is(Ulid, alertId)) return undefined
  const rows = await projected(ctx, (db) =>
    db
      .select({ siteId: alerts.siteId })
      .from(alerts)
      .where(and(visibleRows(ctx.actor.principal, alerts.tenantId, alerts.siteId), eq(alerts.id, alertId)))
      .limit(1),
  )
  return rows?.[0]?.siteId
}

/** Chat-ops writes go in the tenant's audit trail as the API's do, saying they came from Slack. */
const audit = (
  ctx: CommandContext,
  action: string,
  siteId: string,
  status: number,
  details: Record<string, unknown>,
) =>
  tenantOf(ctx.env, ctx.tenantId).recordAudit({
    actor: { type: 'user', id: ctx.actor.userId },
    action,
    object: { type: 'site', id: siteId },
    site_id: siteId,
    address: null,
    status,
    details: { via: 'slack', team_id: ctx.teamId, slack_user_id: ctx.slackUserId, ...details },
  })
