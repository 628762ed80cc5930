import type { IntegrationKind, ReceivedAlert } from '../../schema/alerts/received-alert'
import type { DeliveryOutcome, SitewireEventBody } from '../../schema/events'
import { EventType } from '../../schema/events'

/** What the decider needs to know of an alert series: its latest episode as the events left it. */
export interface AlertSeries {
  id: string
  episode: number
  episodeKey: string | null
  status: 'firing' | 'resolved'
  silencedBy: readonly string[]
  recentFirings: readonly number[]
  /** The episode as last described, to tell a real change from a repeat. */
  described: ReceivedAlert
}

/** Where one received alert is decided: the delivery, the instant, and the silences that hold now. */
export interface ReceiveContext {
  now: number
  deliveryId: string
  integrationId: string
  kind: IntegrationKind
  /** Ids of the silences that hold now and match these labels. */
  silencing: (labels: ReceivedAlert['labels']) => string[]
  newAlertId: () => string
}

export interface AlertDecision {
  events: SitewireEventBody[]
  outcome: DeliveryOutcome
  alertId: string | null
}

/** An alert that fires this many times within the window is flapping. */
export const FLAP_FIRINGS = 3
export const FLAP_WINDOW_MS = 30 * 60_000

/** The parts of a description that make a change worth an event; `starts_at` and the like are not. */
const changed = (before: ReceivedAlert, after: ReceivedAlert) =>
  before.name !== after.name ||
  before.summary !== after.summary ||
  before.severity !== after.severity ||
  JSON.stringify(before.labels) !== JSON.stringify(after.labels) ||
  JSON.stringify(before.annotations) !== JSON.stringify(after.annotations) ||
  JSON.stringify(before.links) !== JSON.stringify(after.links)

/** Firings within the flap window before `now`, this one included. */
export const firingsInWindow = (recent: readonly number[], now: number) =>
  recent.filter((at) => at > now - FLAP_WINDOW_MS).length + 1

/**
 * What one received alert does to its series (given the series, when it fires and what it
 * says), as events:
 *
 * - firing, with no series or a resolved one: a new episode fires (`alert.fired`), unless it is
 *   the very episode that already resolved (a late repeat of the sender), which is ignored;
 * - firing while firing: the same episode is `updated` if its description changed, else
 *   `unchanged`; a new sender episode (a new `startsAt`) means the one we hold ended unseen,
 *   so it resolves as `superseded` and the new one fires;
 * - resolved while firing: the episode resolves; resolved otherwise changes nothing.
 */
export const decideReceived = (
  series: AlertSeries | undefined,
  received: ReceivedAlert,
  context: ReceiveContext,
): AlertDecision => {
  const fire = (previous: AlertSeries | undefined, before: SitewireEventBody[] = []): AlertDecision => {
    const alertId = previous?.id ?? context.newAlertId()
    return {
      events: [
        ...before,
        {
          type: EventType.alertFired,
          data: {
            alert_id: alertId,
            episode: (previous?.episode ?? 0) + 1,
            integration_id: context.integrationId,
            kind: context.kind,
            delivery_id: context.deliveryId,
            alert: received,
            silenced_by: context.silencing(received.labels),
            flapping: firingsInWindow(previous?.recentFirings ?? [], context.now) >= FLAP_FIRINGS,
          },
        },
      ],
      outcome: 'fired',
      alertId,
    }
  }
  const sameEpisode = (s: AlertSeries) =>
    received.episode === null || s.episodeKey === null || received.episode === s.episodeKey

  if (received.status === 'firing') {
    if (!series) return fire(undefined)
    if (series.status === 'resolved') {
      if (received.episode !== null && received.episode === series.episodeKey)
        return { events: [], outcome: 'ignored', alertId: series.id }
      return fire(series)
    }
    if (!sameEpisode(series)) {
      const superseded: SitewireEventBody = {
        type: EventType.alertResolved,
        data: {
          alert_id: series.id,
          episode: series.episode,
          delivery_id: context.deliveryId,
          ended_at: received.starts_at,
          reason: 'superseded',
        },
      }
      return fire(series, [superseded])
    }
    if (!changed(series.described, received)) return { events: [], outcome: 'unchanged', alertId: series.id }
    return {
      events: [
        {
          type: EventType.alertUpdated,
          data: {
            alert_id: series.id,
            episode: series.episode,
            delivery_id: context.deliveryId,
            alert: received,
          },
        },
        ...silenceChanges(series, context.silencing(received.labels)),
      ],
      outcome: 'updated',
      alertId: series.id,
    }
  }
  if (!series || series.status === 'resolved' || !sameEpisode(series))
    return { events: [], outcome: 'ignored', alertId: series?.id ?? null }
  return {
    events: [
      {
        type: EventType.alertResolved,
        data: {
          alert_id: series.id,
          episode: series.episode,
          delivery_id: context.deliveryId,
          ended_at: received.ends_at ?? new Date(context.now).toISOString(),
          reason: 'sender',
        },
      },
    ],
    outcome: 'resolved',
    alertId: series.id,
  }
}

/** The events that bring a firing episode's silences from what they were to `now`. */
export const silenceChanges = (
  series: Pick<AlertSeries, 'id' | 'episode' | 'silencedBy'>,
  now: readonly string[],
): SitewireEventBody[] => {
  const ref = (silenceId: string) => ({ alert_id: series.id, episode: series.episode, silence_id: silenceId })
  return [
    ...now
      .filter((id) => !series.silencedBy.includes(id))
      .map((id) => ({ type: EventType.alertSilenced, data: ref(id) }) as const),
    ...series.silencedBy
      .filter((id) => !now.includes(id))
      .map((id) => ({ type: EventType.alertUnsilenced, data: ref(id) }) as const),
  ]
}
