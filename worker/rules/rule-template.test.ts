import { describe, expect, it } from 'vitest'
import type { RuleContext } from '../../schema/rules/rule-context'
import { RuleTemplateError, renderParams, renderTemplate } from './rule-template'

const context: RuleContext = {
  alert: {
    fingerprint: 'd0c296e49fc4ad26',
    name: 'HighLatency',
    summary: 'p99 latency high',
    status: 'firing',
    severity: 'critical',
    labels: { instance: 'web-1', service: 'api', 'team-name': 'edge' },
    annotations: { runbook: '{{ secrets.TOKEN }}' },
    source: 'alertmanager',
    integration_id: '01J00000000000000000INTEG0',
    starts_at: '2026-12-06T12:00:00.000Z',
    silenced: false,
    episode: 2,
  },
  transition: 'refired',
}

describe('rule templates', () => {
  it('fills dotted paths, with or without spaces inside the braces', () => {
    expect(
      renderTemplate('restart {{ alert.labels.instance }} ({{alert.severity}}, {{  transition }})', context),
    ).toBe('restart web-1 (critical, refired)')
  })

  it('writes numbers and booleans as text, and label keys may hold dashes', () => {
    expect(
      renderTemplate('#{{ alert.episode }} {{ alert.silenced }} {{ alert.labels.team-name }}', context),
    ).toBe('#2 false edge')
  })

  it('leaves text without placeholders alone', () => {
    expect(renderTemplate('no placeholders, {single} braces', context)).toBe(
      'no placeholders, {single} braces',
    )
  })

  it('inserts a value holding braces as it is, without expanding it again', () => {
    expect(renderTemplate('see {{ alert.annotations.runbook }}', context)).toBe('see {{ secrets.TOKEN }}')
  })

  it('throws on an unknown path, naming it', () => {
    expect(() => renderTemplate('on {{ alert.labels.host }}', context)).toThrow(
      new RuleTemplateError('unknown path "alert.labels.host" in the template'),
    )
    expect(() => renderTemplate('{{ alert.name.length }}', context)).toThrow(/"alert.name.length"/)
    expect(() => renderTemplate('{{ alert.labels.constructor }}', context)).toThrow(
      /unknown path "alert.labels.constructor"/,
    )
  })

  it('refuses anything but a path to a single value', () => {
    expect(() => renderTemplate('{{ alert.labels }}', context)).toThrow(
      /"alert.labels" in the template is not a single value/,
    )
    expect(() => renderTemplate('{{ alert.labels["instance"] }}', context)).toThrow(/is not a dotted path/)
    expect(() => renderTemplate('{{ }}', context)).toThrow(/is not a dotted path/)
  })

  it('renders only the string parameters', () => {
    expect(
      renderParams({ host: '{{ alert.labels.instance }}', retries: 3, force: true, note: 'plain' }, context),
    ).toEqual({ host: 'web-1', retries: 3, force: true, note: 'plain' })
  })
})
