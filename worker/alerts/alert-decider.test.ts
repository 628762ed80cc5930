import { describe, expect, it } from 'vitest'
import type { ReceivedAlert } from '../../schema/alerts/received-alert'
import { EventType } from '../../schema/events'
import { type AlertSeries, decideReceived, FLAP_WINDOW_MS, type ReceiveContext } from './alert-decider'

const NOW = Date.parse('2026-12-06T10:00:00Z')
const ALERT_ID = '01JALERT000000000000000000'
const DELIVERY_ID = '01JDELIVERY000000000000000'
const INTEGRATION_ID = '01JINTEGRATION000000000000'

const received = (over: Partial<ReceivedAlert> = {}): ReceivedAlert => ({
  fingerprint: 'd0c296e49fc4ad26',
  fingerprint_formula: 'alertmanager',
  episode: '2026-12-06T09:59:00Z',
  name: 'HighLatency',
  summary: 'p99 latency high',
  status: 'firing',
  severity: 'critical',
  labels: { alertname: 'HighLatency', instance: 'web-1' },
  annotations: { summary: 'p99 latency high' },
  starts_at: '2026-12-06T09:59:00Z',
  ends_at: null,
  links: [],
  resolve_after_seconds: null,
  ...over,
})

const series = (over: Partial<AlertSeries> = {}): AlertSeries => ({
  id: ALERT_ID,
  episode: 1,
  episodeKey: '2026-12-06T09:59:00Z',
  status: 'firing',
  silencedBy: [],
  recentFirings: [NOW - 60_000],
  described: received(),
  ...over,
})

const context = (over: Partial<ReceiveContext> = {}): ReceiveContext => ({
  now: NOW,
  deliveryId: DELIVERY_ID,
  integrationId: INTEGRATION_ID,
  kind: 'alertmanager',
  silencing: () => [],
  newAlertId: () => ALERT_ID,
  ...over,
})

describe('a received alert, given its series', () => {
  it('fires the first episode of a new series, inside the silences that match it', () => {
    const decision = decideReceived(
      undefined,
      received(),
      context({ silencing: () => ['01JSILENCE0000000000000000'] }),
    )
    expect(decision.outcome).toBe('fired')
    expect(decision.events).toEqual([
      {
        type: EventType.alertFired,
        data: {
          alert_id: ALERT_ID,
          episode: 1,
          integration_id: INTEGRATION_ID,
          kind: 'alertmanager',
          delivery_id: DELIVERY_ID,
          alert: received(),
          silenced_by: ['01JSILENCE0000000000000000'],
          flapping: false,
        },
      },
    ])
  })

  it('changes nothing when the same episode is sent again as it was', () => {
    expect(decideReceived(series(), received(), context())).toEqual({
      events: [],
      outcome: 'unchanged',
      alertId: ALERT_ID,
    })
  })

  it('updates the episode when its description changes', () => {
    const decision = decideReceived(series(), received({ severity: 'warning' }), context())
    expect(decision.outcome).toBe('updated')
    expect(decision.events.map((e) => e.type)).toEqual([EventType.alertUpdated])
  })

  it('resolves a firing episode with the end time the sender gives', () => {
    const decision = decideReceived(
      series(),
      received({ status: 'resolved', ends_at: '2026-12-06T09:59:30Z' }),
      context(),
    )
    expect(decision.events).toEqual([
      {
        type: EventType.alertResolved,
        data: {
          alert_id: ALERT_ID,
          episode: 1,
          delivery_id: DELIVERY_ID,
          ended_at: '2026-12-06T09:59:30Z',
          reason: 'sender',
        },
      },
    ])
  })

  it('fires a new episode when a resolved series fires again', () => {
    const decision = decideReceived(
      series({ status: 'resolved' }),
      received({ episode: '2026-12-06T09:59:50Z', starts_at: '2026-12-06T09:59:50Z' }),
      context(),
    )
    expect(decision.outcome).toBe('fired')
    expect(decision.events[0]).toMatchObject({
      type: EventType.alertFired,
      data: { alert_id: ALERT_ID, episode: 2 },
    })
  })

  it('ignores a late repeat of the episode that already resolved', () => {
    expect(decideReceived(series({ status: 'resolved' }), received(), context()).outcome).toBe('ignored')
  })

  it('ends an episode it never saw resolve when the sender starts a new one', () => {
    const decision = decideReceived(
      series(),
      received({ episode: '2026-12-06T09:59:55Z', starts_at: '2026-12-06T09:59:55Z' }),
      context(),
    )
    expect(decision.events.map((e) => e.type)).toEqual([EventType.alertResolved, EventType.alertFired])
    expect(decision.events[0]).toMatchObject({
      data: { episode: 1, reason: 'superseded', ended_at: '2026-12-06T09:59:55Z' },
    })
    expect(decision.events[1]).toMatchObject({ data: { episode: 2 } })
  })

  it('ignores a resolve for a series it does not know or that is already resolved', () => {
    expect(decideReceived(undefined, received({ status: 'resolved' }), context()).outcome).toBe('ignored')
    expect(
      decideReceived(series({ status: 'resolved' }), received({ status: 'resolved' }), context()).outcome,
    ).toBe('ignored')
  })

  it('calls a series flapping when it fires a third time within the window', () => {
    const twice = series({
      status: 'resolved',
      episode: 2,
      recentFirings: [NOW - 20 * 60_000, NOW - 10 * 60_000],
    })
    const fresh = received({ episode: 'x', starts_at: '2026-12-06T10:00:00Z' })
    expect(decideReceived(twice, fresh, context()).events[0]).toMatchObject({
      data: { flapping: true, episode: 3 },
    })
    const longAgo = { ...twice, recentFirings: [NOW - FLAP_WINDOW_MS - 1, NOW - 10 * 60_000] }
    expect(decideReceived(longAgo, fresh, context()).events[0]).toMatchObject({ data: { flapping: false } })
  })

  it('moves a firing episode in and out of silences when its labels change', () => {
    const silenced = series({ silencedBy: ['01JSILENCEA000000000000000'] })
    const decision = decideReceived(
      silenced,
      received({ labels: { alertname: 'HighLatency', instance: 'web-2' } }),
      context({ silencing: () => ['01JSILENCEB000000000000000'] }),
    )
    expect(decision.events.map((e) => [e.type, (e.data as { silence_id?: string }).silence_id])).toEqual([
      [EventType.alertUpdated, undefined],
      [EventType.alertSilenced, '01JSILENCEB000000000000000'],
      [EventType.alertUnsilenced, '01JSILENCEA000000000000000'],
    ])
  })
})
