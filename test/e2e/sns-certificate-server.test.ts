import 'reflect-metadata'
import { once } from 'node:events'
import { createServer, type Server } from 'node:https'
import * as x509 from '@peculiar/x509'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sns } from '../../worker/alerts/senders/sns'
import { snsSigner } from '../../worker/alerts/senders/sns-test-signer'
import { context, request } from '../../worker/alerts/senders/test-support'

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms'

const pemOf = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`

/**
 * SNS signatures checked against a certificate fetched over real HTTPS from a loopback key
 * server (the trust relaxed to 127.0.0.1, as only a test setting may), not an injected fetch.
 */
describe('SNS certificates from a loopback key server', () => {
  let server: Server
  let origin: string
  let snsKeys: Awaited<ReturnType<typeof snsSigner>>
  let tls: Agent
  const asked: string[] = []

  beforeAll(async () => {
    snsKeys = await snsSigner(Date.now())
    // The key server's own TLS certificate, for 127.0.0.1.
    const tlsKeys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const tlsCertificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '02',
      name: 'CN=127.0.0.1',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      keys: tlsKeys,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
    })
    const tlsPem = tlsCertificate.toString('pem')
    server = createServer(
      {
        key: pemOf(
          'PRIVATE KEY',
          (await crypto.subtle.exportKey('pkcs8', tlsKeys.privateKey)) as ArrayBuffer,
        ),
        cert: tlsPem,
      },
      (req, res) => {
        asked.push(req.url ?? '')
        res.end(snsKeys.pem)
      },
    ).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const address = server.address()
    origin = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    tls = new Agent({ connect: { ca: tlsPem } })
  })

  afterAll(async () => {
    server?.close()
    await tls?.close()
  })

  const ctx = () =>
    context({ kind: 'sns', topic_arns: [TOPIC] }, [], {
      fetch: ((input: string, init?: RequestInit) =>
        undiciFetch(input, { ...(init as object), dispatcher: tls })) as unknown as typeof fetch,
      trust: {
        snsCertificateHost: /^127\.0\.0\.1:\d+$/,
        googleJwksUrl: 'https://keys.test/certs',
        googleIssuers: ['https://accounts.google.com'],
      },
    })

  const signed = (fields: Record<string, string>) => snsKeys.signed(fields, '2')

  const notification = (certificate: string, message: string) => ({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: TOPIC,
    Subject: 'ALARM: "api-5xx"',
    Message: message,
    Timestamp: new Date().toISOString(),
    SigningCertURL: certificate,
    UnsubscribeURL: `${origin}/?Action=Unsubscribe`,
  })

  const deliver = (envelope: unknown) =>
    request({
      body: JSON.stringify(envelope),
      headers: { 'content-type': 'text/plain; charset=UTF-8' },
      now: Date.now(),
    })

  it('verifies messages with the certificate it fetched once, and refuses forged ones', async () => {
    const certificate = `${origin}/SimpleNotificationService-loopback.pem`
    const alarm = JSON.stringify({
      AlarmName: 'api-5xx',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx',
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold crossed',
      StateChangeTime: new Date().toISOString(),
      Region: 'EU (Ireland)',
      AWSAccountId: '123456789012',
    })
    const first = await signed(notification(certificate, alarm))
    const verdict = await sns.authenticate(deliver(first), ctx())
    expect(verdict).toEqual({ ok: true })
    expect(sns.parse(deliver(first), ctx()).alerts[0]).toMatchObject({
      fingerprint: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx',
      status: 'firing',
    })
    const second = await signed(notification(certificate, alarm))
    expect(await sns.authenticate(deliver(second), ctx())).toEqual({ ok: true })
    expect(asked).toEqual(['/SimpleNotificationService-loopback.pem'])

    const forged = { ...second, Message: alarm.replace('ALARM', 'OK') }
    expect(await sns.authenticate(deliver(forged), ctx())).toMatchObject({ ok: false })
  })

  it('fetches nothing from a host the trust does not name', async () => {
    const before = asked.length
    const elsewhere = await signed(notification('https://localhost:1/SimpleNotificationService-x.pem', '{}'))
    expect(await sns.authenticate(deliver(elsewhere), ctx())).toMatchObject({ ok: false })
    expect(asked.length).toBe(before)
  })
})
