import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from '@libsql/client'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startLibsqlServer } from './server'
import { TOKEN, tempDir } from './test-support'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))

interface Running {
  child: ChildProcess
  url: string
  lines: Record<string, unknown>[]
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Runs main.ts in a child process (`node --import tsx`, so the pid is the server itself). */
async function runMain(dbPath: string): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--db', dbPath, '--port', '0'], {
    env: { ...process.env, LIBSQL_AUTH_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  const lines: Record<string, unknown>[] = []
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk
      const complete = stdout.split('\n').slice(lines.length, -1)
      for (const line of complete) {
        const parsed = JSON.parse(line) as Record<string, unknown>
        lines.push(parsed)
        if (parsed.msg === 'libsql server started') resolve(String(parsed.url))
      }
    })
    exited.then(({ code }) => reject(new Error(`main.ts exited with ${code}: ${stdout}${stderr}`)))
  })
  return { child, url, lines, output: () => stdout + stderr, exited }
}

describe('main.ts', () => {
  it('stops cleanly on SIGTERM: exit 0, structured logs, no token in them', async () => {
    const dir = await tempDir()
    const running = await runMain(join(dir, 'main.db'))
    const client = createClient({ url: running.url, authToken: TOKEN })
    onTestFinished(() => client.close())
    await client.batch(['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'], 'write')
    const tx = await client.transaction('write')
    await tx.execute('INSERT INTO t VALUES (2)')
    running.child.kill('SIGTERM')
    expect(await running.exited).toEqual({ code: 0, signal: null })
    expect(running.lines.map((l) => l.msg)).toEqual([
      'libsql server started',
      'stopping',
      'libsql server stopped',
    ])
    for (const line of running.lines) expect(line).toMatchObject({ time: expect.any(String), level: 'info' })
    expect(running.output()).not.toContain(TOKEN)

    // the open transaction was rolled back, the committed row kept
    const server = await startLibsqlServer({ dbPath: join(dir, 'main.db') })
    onTestFinished(() => server.close())
    const again = createClient({ url: server.url })
    onTestFinished(() => again.close())
    expect((await again.execute('SELECT group_concat(v) FROM t')).rows[0]?.[0]).toBe('1')
  })

  it('leaves a consistent file when killed with SIGKILL mid-transaction', async () => {
    const dir = await tempDir()
    const dbPath = join(dir, 'killed.db')
    const running = await runMain(dbPath)
    const client = createClient({ url: running.url, authToken: TOKEN })
    onTestFinished(() => client.close())
    await client.execute('CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)')
    const row = (i: number) => ({
      sql: 'INSERT INTO events (payload) VALUES (?)',
      args: [`${i}:${'x'.repeat(1000)}`],
    })
    await client.batch(
      Array.from({ length: 500 }, (_, i) => row(i)),
      'write',
    )
    // big enough to spill uncommitted pages into the WAL before the kill
    const tx = await client.transaction('write')
    for (let chunk = 0; chunk < 6; chunk++) {
      await tx.batch(Array.from({ length: 1000 }, (_, i) => row(10_000 + chunk * 1000 + i)))
    }
    running.child.kill('SIGKILL')
    expect((await running.exited).signal).toBe('SIGKILL')

    const server = await startLibsqlServer({ dbPath })
    onTestFinished(() => server.close())
    const again = createClient({ url: server.url })
    onTestFinished(() => again.close())
    expect((await again.execute('PRAGMA integrity_check')).rows[0]?.[0]).toBe('ok')
    expect((await again.execute('SELECT count(*), min(id), max(id) FROM events')).rows[0]).toMatchObject({
      0: 500,
      1: 1,
      2: 500,
    })
    expect(
      (await again.execute("SELECT count(*) FROM events WHERE payload LIKE '1____:%'")).rows[0]?.[0],
    ).toBe(0)
  })
})
