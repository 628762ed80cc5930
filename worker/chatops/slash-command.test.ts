import { describe, expect, it } from 'vitest'
import { parseParams, parseSlashCommand } from './slash-command'

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
      site: null,
      params: {},
    })
    expect(parseSlashCommand('run Turn on the lights on <http://db-1.example.com|db-1.example.com>')).toEqual(
      {
        kind: 'run',
        task: 'Turn on the lights',
        target: { hostname: 'db-1.example.com' },
        site: null,
        params: {},
      },
    )
    expect(parseSlashCommand('run "Deploy" ON role=web,env=prod')).toEqual({
      kind: 'run',
      task: 'Deploy',
      target: { labels: { role: 'web', env: 'prod' } },
      site: null,
      params: {},
    })
  })

  it('reads a run\'s site after "in" and its parameters after "with", quoted where they hold spaces', () => {
    expect(
      parseSlashCommand(
        'run Deploy api on role=api in "Lyon DC2" with version="1.2 beta" replicas=3 dry_run=true',
      ),
    ).toEqual({
      kind: 'run',
      task: 'Deploy api',
      target: { labels: { role: 'api' } },
      site: 'Lyon DC2',
      params: { version: '1.2 beta', replicas: '3', dry_run: 'true' },
    })
    expect(parseSlashCommand('run Turn on the lights on web-1 with room=')).toMatchObject({
      task: 'Turn on the lights',
      target: { hostname: 'web-1' },
      site: null,
      params: { room: '' },
    })
    expect(parseSlashCommand('run Deploy on web-1 in east')).toMatchObject({ site: 'east', params: {} })
    expect(parseSlashCommand('run Deploy on web-1 with version')).toMatchObject({
      kind: 'usage',
      problem: expect.stringContaining('name=value'),
    })
    expect(parseSlashCommand('run Deploy on web-1 with version="1.2')).toMatchObject({ kind: 'usage' })
    expect(parseParams(' a=1  b="x y" ')).toEqual({ a: '1', b: 'x y' })
    expect(parseParams('a=1 =2')).toBeNull()
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
