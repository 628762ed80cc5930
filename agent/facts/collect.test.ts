import { existsSync } from 'node:fs'
import { isIP } from 'node:net'
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../log'
import { collectFacts } from './collect'
import { parseMounts } from './disks'
import { parseOsRelease } from './os-release'
import { parseServiceUnits } from './services'

const quiet = createLogger('error', () => undefined)

describe('collectFacts on this machine', () => {
  it('reads plausible facts', async () => {
    const facts = await collectFacts({ labels: { rack: 'r1' } }, quiet)
    expect(facts.hostname).toBe(os.hostname())
    expect(facts.os?.family).toBe(os.platform())
    expect(facts.kernel).toBe(os.release())
    expect(facts.arch).toBe(os.arch())
    expect(facts.cpu?.count).toBeGreaterThan(0)
    expect(facts.memory_bytes).toBeGreaterThan(0)
    expect(facts.uptime_seconds).toBeGreaterThanOrEqual(0)
    expect(facts.labels).toEqual({ rack: 'r1' })
    const disk = facts.disks?.find((d) => d.size_bytes > 0)
    expect(disk).toBeDefined()
    expect(disk?.used_bytes).toBeLessThanOrEqual(disk?.size_bytes ?? 0)
    expect(facts.ip_addresses).toBeDefined()
    for (const address of facts.ip_addresses ?? []) expect(isIP(address), address).not.toBe(0)
    if (existsSync('/etc/os-release')) expect(facts.os?.distribution).toBeTruthy()
    if (!existsSync('/run/systemd/system')) expect(facts.services).toBeUndefined()
    else expect(facts.services?.length).toBeGreaterThan(0)
  })
})

describe('parseMounts', () => {
  it('keeps real filesystems once per device, with escapes decoded', () => {
    const text = [
      'proc /proc proc rw,relatime 0 0',
      '/dev/vda1 / ext4 rw,relatime 0 0',
      'tmpfs /run tmpfs rw 0 0',
      '/dev/vda1 /etc/hosts ext4 rw,relatime 0 0',
      '/dev/sdb1 /mnt/my\\040data xfs rw 0 0',
      'overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0',
      'server:/export /srv/nfs nfs4 rw 0 0',
      '',
    ].join('\n')
    expect(parseMounts(text)).toEqual([
      { device: '/dev/vda1', mount: '/', filesystem: 'ext4' },
      { device: '/dev/sdb1', mount: '/mnt/my data', filesystem: 'xfs' },
      { device: 'server:/export', mount: '/srv/nfs', filesystem: 'nfs4' },
    ])
  })
})

describe('parseOsRelease', () => {
  it('reads quoted and bare values', () => {
    const text =
      'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n# a comment\nPRETTY_NAME=\'Say \\"hi\\"\'\n'
    expect(parseOsRelease(text)).toEqual({
      NAME: 'Debian GNU/Linux',
      VERSION_ID: '12',
      ID: 'debian',
      PRETTY_NAME: 'Say "hi"',
    })
  })
})

describe('parseServiceUnits', () => {
  it('reads unit names, their active and sub-state', () => {
    const text =
      'cron.service loaded active running Regular background program processing daemon\n' +
      'ssh.service   loaded active running OpenBSD Secure Shell server\n\n'
    expect(parseServiceUnits(text)).toEqual([
      { name: 'cron.service', state: 'running', active: 'active' },
      { name: 'ssh.service', state: 'running', active: 'active' },
    ])
  })
})
