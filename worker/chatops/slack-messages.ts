import type { AlertSeverity } from '../../schema/alerts/received-alert'
import type { Alert } from '../../schema/api/alerts'
import type { SlackBlock, SlackMessage } from '../../schema/api/chatops'
import type { RunDetail } from '../../schema/api/runs'

/** Slack's mrkdwn treats these three as markup; everything else shows as typed. */
export const escapeMrkdwn = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })

/** Only the person who typed the command sees it. */
export const ephemeral = (text: string, blocks?: SlackBlock[]): SlackMessage => ({
  response_type: 'ephemeral',
  text,
  ...(blocks ? { blocks } : {}),
})

export const USAGE = [
  '*/sitewire alerts* [site] — firing alerts, newest first (the default site unless named)',
  '*/sitewire ack* <alert-id> [note] — acknowledge an alert, on whichever site you can see it',
  '*/sitewire run* <task-name> *on* <hostname | label=value[,label=value]> [*in* <site>] [*with* name=value …] — run a task (of the default site unless named)',
  '*/sitewire link* <code> — act as your Sitewire user (get a code with `POST /v1/chatops/slack/link-codes`)',
  '*/sitewire help* — this',
].join('\n')

export const usage = (problem?: string) =>
  ephemeral(problem ? `${problem}\n\n${USAGE}` : USAGE, [
    ...(problem ? [section(problem)] : []),
    section(USAGE),
  ])

export const linkFirst = () =>
  ephemeral(
    'Your Slack user is not linked to a Sitewire user yet. Get a code from Sitewire ' +
      '(`POST /v1/chatops/slack/link-codes`, signed in or with your API key), then type `/sitewire link <code>` here.',
  )

const SEVERITY_MARK: Record<AlertSeverity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  warning: ':large_yellow_circle:',
  info: ':large_blue_circle:',
  low: ':white_circle:',
}

const labelsText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([key, value]) => `${escapeMrkdwn(key)}=${escapeMrkdwn(value)}`)
    .join(', ')

/** One line per alert: severity, name, labels and the id to acknowledge it by. */
export const alertsMessage = (siteName: string, alerts: readonly Alert[], more: boolean): SlackMessage => {
  const site = escapeMrkdwn(siteName)
  if (alerts.length === 0) return ephemeral(`No alert is firing on ${site}.`)
  const lines = alerts.map(
    (alert) =>
      `${SEVERITY_MARK[alert.severity]} *${escapeMrkdwn(alert.severity)}* ` +
      `*${escapeMrkdwn(alert.name)}*${alert.acknowledged ? ' (acknowledged)' : ''}\n` +
      `${labelsText(alert.labels)}\n\`${alert.id}\``,
  )
  const title = `${alerts.length}${more ? '+' : ''} firing alert${alerts.length === 1 ? '' : 's'} on ${site}, newest first`
  return ephemeral(`${title}\n${lines.join('\n')}`, [section(`*${title}*`), ...lines.map(section)])
}

/** Said in the channel, so whoever else looks at the alert knows someone is on it. */
export const acknowledged = (alert: Alert, slackUserId: string): SlackMessage => ({
  response_type: 'in_channel',
  text:
    `<@${slackUserId}> acknowledged *${escapeMrkdwn(alert.name)}* (\`${alert.id}\`)` +
    (alert.acknowledged?.note ? `: ${escapeMrkdwn(alert.acknowledged.note)}` : ''),
})

export const runRequested = (taskName: string, agents: number, runId: string, runUrl: string) =>
  ephemeral(
    `Run of *${escapeMrkdwn(taskName)}* requested on ${agents} agent${agents === 1 ? '' : 's'}: <${runUrl}|${runId}>. ` +
      'I will post here when it finishes.',
  )

/** A run's outcome, or where it stands when the watch gave up waiting. */
export const runProgress = (run: RunDetail, runUrl: string, finished: boolean): SlackMessage => {
  const counts = `${run.agents.succeeded} succeeded, ${run.agents.failed} failed, ${run.agents.cancelled} cancelled`
  const text = finished
    ? `Run of *${escapeMrkdwn(run.task_name)}* ${run.status}: ${counts}. <${runUrl}|${run.id}>`
    : `Run of *${escapeMrkdwn(run.task_name)}* is still ${run.status} (${counts}); follow it at <${runUrl}|${run.id}>`
  return { ...ephemeral(text, [section(text)]), replace_original: false }
}
