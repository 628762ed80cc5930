import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { until } from './agent-process'
import { describeWithAlertmanager, type RunningAlertmanager, startAlertmanager } from './alertmanager-process'

interface Delivery {
  headers: IncomingHttpHeaders
  body: {
    version: string
    status: string
    receiver: string
    groupLabels: Record<string, string>
    alerts: {
      status: string
      labels: Record<string, string>
      annotations: Record<string, string>
      startsAt: string
      endsAt: string
      fingerprint: string
    }[]
  }
}

/**
 * Prometheus's label-set fingerprint (`model.labelSetToFingerprint`): FNV-1a 64 over each
 * name and value, each followed by 0xFF, names in byte order. Label names are ASCII, so
 * JavaScript's default sort is byte order.
 */
const fingerprint = (labels: Record<string, string>) => {
  const prime = 0x100000001b3n
  let hash = 0xcbf29ce484222325n
  const add = (byte: number) => {
    hash = ((hash ^ BigInt(byte)) * prime) & 0xffffffffffffffffn
  }
  for (const name of Object.keys(labels).sort()) {
    for (const byte of new TextEncoder().encode(name)) add(byte)
    add(0xff)
    for (const byte of new TextEncoder().encode(labels[name])) add(byte)
    add(0xff)
  }
  return hash.toString(16).padStart(16, '0')
}

/** The zero time Alertmanager writes as `endsAt` while an alert fires. */
const unset = '0001-01-01T00:00:00Z'

/**
 * The real Alertmanager (Debian's 0.25) posting webhooks to a loopback receiver: what a
 * Sitewire Alertmanager integration will be sent, checked field by field.
 */
describeWithAlertmanager('Alertmanager webhooks, as the real binary sends them', () => {
  const token = 'alertmanager-test-token'
  const deliveries: Delivery[] = []
  let receiver: Server
  let alertmanager: RunningAlertmanager

  const web1 = { alertname: 'HighLatency', instance: 'web-1', service: 'api', severity: 'critical' }
  const web2 = { ...web1, instance: 'web-2' }

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        deliveries.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString()) })
        response.writeHead(200).end()
      })
    }).listen(0, '127.0.0.1')
    await once(receiver, 'listening')
    const { port } = receiver.address() as AddressInfo
    alertmanager = await startAlertmanager({ url: `http://127.0.0.1:${port}/hook`, token })
  })

  afterAll(async () => {
    await alertmanager?.stop()
    receiver?.close()
  })

  const delivered = (what: string, test: (delivery: Delivery) => boolean) =>
    until(what, () => deliveries.find(test), 30_000)
  const alertOf = (delivery: Delivery, labels: Record<string, string>) =>
    delivery.body.alerts.find((alert) => alert.labels.instance === labels.instance)

  it('computes fingerprints as Prometheus does', () => {
    // Captured from Alertmanager 0.25 for these labels (research notes, section 1).
    expect(fingerprint(web1)).toBe('d0c296e49fc4ad26')
  })

  it('sends both firing alerts in one group, then the resolved one with its end', async () => {
    await alertmanager.fire(
      web1,
      { summary: 'p99 latency high on web-1' },
      { generatorURL: 'http://prom.example/g' },
    )
    await alertmanager.fire(web2, { summary: 'p99 latency high on web-2' })

    const firing = await delivered('both alerts firing', (d) => d.body.alerts.length === 2)
    expect(firing.headers.authorization).toBe(`Bearer ${token}`)
    expect(firing.headers['user-agent']).toMatch(/^Alertmanager\//)
    expect(firing.headers['content-type']).toBe('application/json')
    expect(firing.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'sitewire',
      groupLabels: { alertname: 'HighLatency' },
    })
    for (const labels of [web1, web2]) {
      const alert = alertOf(firing, labels)
      expect(alert).toMatchObject({ status: 'firing', labels, endsAt: unset })
      expect(alert?.fingerprint).toMatch(/^[0-9a-f]{16}$/)
      expect(alert?.fingerprint).toBe(fingerprint(labels))
      expect(Date.parse(alert?.startsAt ?? '')).not.toBeNaN()
    }
    expect(alertOf(firing, web1)?.annotations).toEqual({ summary: 'p99 latency high on web-1' })

    const resolvedAt = Date.now()
    await alertmanager.resolve(web1)
    const resolving = await delivered(
      'web-1 resolved',
      (d) => alertOf(d, web1)?.status === 'resolved' && alertOf(d, web2)?.status === 'firing',
    )
    const resolved = alertOf(resolving, web1)
    expect(resolved).toMatchObject({
      fingerprint: fingerprint(web1),
      startsAt: alertOf(firing, web1)?.startsAt,
      annotations: { summary: 'p99 latency high on web-1' },
    })
    expect(Date.parse(resolved?.endsAt ?? '')).toBeGreaterThanOrEqual(resolvedAt - 1000)
    expect(alertOf(resolving, web2)).toMatchObject({ status: 'firing', endsAt: unset })
    // The group still fires: its status is computed over the alerts sent.
    expect(resolving.body.status).toBe('firing')
  })
})
