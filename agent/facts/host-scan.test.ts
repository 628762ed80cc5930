import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../log'
import { collectFacts } from './collect'
import { findDatabases } from './databases'
import { attributeListeners, parseProcNetTcp } from './listening'
import { parsePackageLines } from './packages'
import { parseUnitFiles, withEnablement } from './services'

const quiet = createLogger('error', () => undefined)
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

const listen = async (server: Server, host: string) => {
  server.listen(0, host)
  await once(server, 'listening')
  cleanups.push(() => server.close())
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

describe('facts about listening ports, packages and databases on this machine', () => {
  it('sees a port this test listens on, held by this process', async () => {
    const port = await listen(createServer(), '127.0.0.1')
    const facts = await collectFacts({ labels: {} }, quiet)
    expect(facts.listening).toContainEqual({ address: '127.0.0.1', port, process: 'node' })
    expect(facts.packages?.dpkg ?? facts.packages?.rpm).toBeTruthy()
  })

  it('recognises a database server by its process name and finds its port', async () => {
    // A program named like Redis's server, listening on a port: what the agent sees of a real one.
    const dir = mkdtempSync(join(tmpdir(), 'sitewire-db-process-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    symlinkSync(process.execPath, join(dir, 'redis-server'))
    const child = spawn(
      join(dir, 'redis-server'),
      [
        '-e',
        "require('net').createServer().listen(0,'127.0.0.1',function(){console.log(this.address().port)})",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    cleanups.push(() => child.kill('SIGKILL'))
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer]
    const port = Number(chunk.toString().trim())
    const facts = await collectFacts({ labels: {} }, quiet)
    expect(facts.listening).toContainEqual({ address: '127.0.0.1', port, process: 'redis-server' })
    expect(facts.databases).toContainEqual(
      expect.objectContaining({ engine: 'redis', process: 'redis-server', port }),
    )
  })
})

describe('parseProcNetTcp', () => {
  it('reads listeners of both families and skips other states', () => {
    const v4 = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1169 1 0 100 0 0 10 0',
      '   1: 0500000A:0016 0600000A:C350 01 00000000:00000000 00:00000000 00000000     0        0 2001 1 0 20 4 30 10 -1',
      '   2: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 3003 1 0 100 0 0 10 0',
    ].join('\n')
    expect(parseProcNetTcp(v4, 4)).toEqual([
      { address: '127.0.0.1', port: 8080, inode: 1169 },
      { address: '0.0.0.0', port: 5432, inode: 3003 },
    ])
    const v6 = [
      '  sl  local_address                         remote_address                        st',
      '   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41 1',
      '   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42 1',
      '   2: 0000000000000000FFFF00000100007F:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 43 1',
    ].join('\n')
    expect(parseProcNetTcp(v6, 6)).toEqual([
      { address: '::', port: 80, inode: 41 },
      { address: '::1', port: 8080, inode: 42 },
      { address: '127.0.0.1', port: 6379, inode: 43 },
    ])
  })

  it('names the process holding each socket, once per address and port', () => {
    const listeners = [
      { address: '0.0.0.0', port: 5432, inode: 7 },
      { address: '0.0.0.0', port: 22, inode: 8 },
      { address: '0.0.0.0', port: 22, inode: 9 },
    ]
    expect(attributeListeners(listeners, [{ pid: 10, comm: 'postgres', sockets: [7] }])).toEqual([
      { address: '0.0.0.0', port: 22 },
      { address: '0.0.0.0', port: 5432, process: 'postgres' },
    ])
  })
})

describe('findDatabases', () => {
  it('finds each engine once per port, an Oracle instance by its SID, and versions from packages', () => {
    const processes = [
      { pid: 1, comm: 'postgres', sockets: [100, 101] },
      { pid: 2, comm: 'postgres', sockets: [] },
      { pid: 3, comm: 'mariadbd', sockets: [200] },
      { pid: 4, comm: 'ora_pmon_ORCL', sockets: [] },
      { pid: 5, comm: 'nginx', sockets: [300] },
      { pid: 6, comm: 'redis-server', sockets: [] },
    ]
    const listening = [
      { socket: { address: '0.0.0.0', port: 5432 }, inode: 100 },
      { socket: { address: '::', port: 5432 }, inode: 101 },
      { socket: { address: '127.0.0.1', port: 3306 }, inode: 200 },
      { socket: { address: '0.0.0.0', port: 80 }, inode: 300 },
    ]
    expect(
      findDatabases(processes, listening, { 'postgresql-16': '16.4-1', 'mariadb-server': '1:10.11.6-0' }),
    ).toEqual([
      { engine: 'mysql', process: 'mariadbd', port: 3306, version: '1:10.11.6-0' },
      { engine: 'oracle', process: 'ora_pmon_ORCL', sid: 'ORCL' },
      { engine: 'postgresql', process: 'postgres', port: 5432, version: '16.4-1' },
      { engine: 'redis', process: 'redis-server' },
    ])
  })
})

describe('packages and service units', () => {
  it('reads name and version lines, sorted', () => {
    expect(parsePackageLines('zlib1g\t1:1.2.13\nbash\t5.2.15-2\n\nbroken\n')).toEqual({
      bash: '5.2.15-2',
      zlib1g: '1:1.2.13',
    })
  })

  it('tells which units start at boot', () => {
    const files = parseUnitFiles(
      'ssh.service enabled enabled\ncron.service disabled enabled\nx.socket enabled -\n',
    )
    expect(
      withEnablement(
        [
          { name: 'ssh.service', state: 'running', active: 'active' },
          { name: 'cron.service', state: 'dead', active: 'inactive' },
          { name: 'other.service', state: 'exited', active: 'active' },
        ],
        files,
      ),
    ).toEqual([
      { name: 'cron.service', state: 'dead', active: 'inactive', enabled: false },
      { name: 'other.service', state: 'exited', active: 'active' },
      { name: 'ssh.service', state: 'running', active: 'active', enabled: true },
    ])
  })
})
