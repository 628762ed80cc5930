import { describe, expect, it } from 'vitest'
import { IntegrationKind } from '../../../schema/alerts/received-alert'
import { PRODUCTION_TRUST, senders } from './index'

describe('senders', () => {
  it('has one sender per integration kind, each under its own kind', () => {
    expect(Object.keys(senders).sort()).toEqual([...IntegrationKind.options].sort())
    for (const [kind, sender] of Object.entries(senders)) expect(sender.kind).toBe(kind)
  })

  it("trusts only SNS's certificate hosts in production", () => {
    const host = PRODUCTION_TRUST.snsCertificateHost
    expect(host.test('sns.eu-west-1.amazonaws.com')).toBe(true)
    expect(host.test('sns.cn-north-1.amazonaws.com.cn')).toBe(true)
    expect(host.test('sns.eu-west-1.amazonaws.com.evil.test')).toBe(false)
    expect(host.test('evil-sns.eu-west-1.amazonaws.com')).toBe(false)
  })
})
