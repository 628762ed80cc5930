import { describe, expect, it } from 'vitest'
import { parseSlashCommand } from './slash-command'

const ALERT = '01J9Z8Y7X6W5V4T3S2R1Q0P0NM'

describe('parseSlashCommand', () => {
  it('reads each command as Slack sends its text', () => {
    expect(parseSlashCommand('')).toEqual({ kind: 'help' })
    expect(parseSlashCommand('  HELP ')).toEqual({ kind: 'help' })
    expect(parseSlashCommand('link 7k3m-q9z2')).toEqual({ kind: 'link', code: '7k3m-q9z2' })
    expect(parseSlashCommand('alerts')).toEqual({ kind: 'alerts', site: null })
    expect(parseSlashCommand('alerts “Paris DC1”')).toEqual({ kind: 'alerts', site: 'Paris DC1' })
    expect(parseSlashCommand(`ack ${ALERT.toLowerCase()}   on it, rebooting`)).toEqual({
      kind: 'ack',
      alertId: ALERT,
      note: 'on it, rebooting',
    })
    expect(parseSlashCommand(`ack ${ALERT}`)).toEqual({ kind: 'ack', alertId: ALERT, note: '' })
  })

  it('splits a run at its last "on": hostnames, Slack links and label targets', () => {
    expect(parseSlashCommand('run Restart web on web-1')).toEqual({
      kind: 'run',
      task: 'Restart web',
      target: { hostname: 'web-1' },
    })
    expect(parseSlashCommand('run Turn on the lights on <http://db-1.example.com|db-1.example.com>')).toEqual(
      {
        kind: 'run',
        task: 'Turn on the lights',
        target: { hostname: 'db-1.example.com' },
      },
    )
    expect(parseSlashCommand('run "Deploy" ON role=web,env=prod')).toEqual({
      kind: 'run',
      task: 'Deploy',
      target: { labels: { role: 'web', env: 'prod' } },
    })
  })

  it('answers usage, naming the problem, for what it cannot read', () => {
    expect(parseSlashCommand('ack INC-12')).toMatchObject({
      kind: 'usage',
      problem: expect.stringContaining('alert’s id'),
    })
    expect(parseSlashCommand('run Deploy')).toMatchObject({
      kind: 'usage',
      problem: expect.stringContaining('on <hostname'),
    })
    expect(parseSlashCommand('run Deploy on =web')).toMatchObject({ kind: 'usage' })
    expect(parseSlashCommand('link')).toMatchObject({ kind: 'usage' })
    expect(parseSlashCommand('reboot all')).toEqual({
      kind: 'usage',
      problem: 'there is no `reboot` command',
    })
  })
})
