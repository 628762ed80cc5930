import type { SlackMessage } from '../../schema/api/chatops'
import { errorMessage, log } from '../lib/log'

/** Posts a message to a slash command's `response_url`; the intake only accepts Slack's own. */
export type ResponsePoster = (responseUrl: string, message: SlackMessage) => Promise<void>

/**
 * Slack keeps a `response_url` for 30 minutes and 5 posts. A post that fails is logged and
 * not retried: it is a chat message, and the run's page holds the outcome anyway.
 */
export const postToResponseUrl: ResponsePoster = async (responseUrl, message) => {
  try {
    const response = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    })
    if (!response.ok) log('warn', 'slack response_url refused a post', { status: response.status })
  } catch (error) {
    log('warn', 'slack response_url unreachable', { error: errorMessage(error) })
  }
}
