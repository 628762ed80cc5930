import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stepHarness, stepMessage } from '../testing/steps'
import { tempDir } from '../testing/temp-dir'
import { DEFAULT_CHUNK_LIMITS } from './chunks'
import { StepLedger } from './ledger'

describe('StepRunner', () => {
  it('runs an attempt once, however often the platform sends it', async () => {
    const { runner, events } = stepHarness()
    const counter = join(tempDir(), 'runs')
    const message = stepMessage({ kind: 'script', body: `echo run >> ${counter}\nsleep 0.3` })
    const first = runner.run(message)
    const whileRunning = runner.run(structuredClone(message))
    await Promise.all([first, whileRunning])
    await runner.run(structuredClone(message))
    expect(readFileSync(counter, 'utf8')).toBe('run\n')
    const result = events(message.run_id)
    expect(result.started).toHaveLength(1)
    expect(result.finished).toHaveLength(1)

    const retry = await runner.run({ ...message, attempt: 2 })
    expect(retry).toBeUndefined()
    expect(readFileSync(counter, 'utf8')).toBe('run\nrun\n')
  })

  it('remembers attempts across restarts, and reports the ones a restart cut short', async () => {
    const dir = tempDir()
    const counter = join(dir, 'runs')
    const done = stepMessage({ kind: 'script', body: `echo run >> ${counter}` })
    const cut = stepMessage({ kind: 'script', body: `echo run >> ${counter}` }, { index: 1, attempt: 2 })
    const before = stepHarness({ dir })
    await before.runner.run(done)
    // The agent died while this attempt ran: the ledger says started, nothing says finished.
    new StepLedger(before.paths.steps).started(cut, Date.now() - 5000)

    const after = stepHarness({ dir })
    const interrupted = after.events(cut.run_id)
    expect(interrupted.finished).toEqual([
      expect.objectContaining({
        run_id: cut.run_id,
        index: 1,
        attempt: 2,
        outcome: 'error',
        message: 'the agent restarted during this step',
        exit_code: null,
      }),
    ])
    expect(interrupted.finished[0]?.duration_ms).toBeGreaterThanOrEqual(5000)
    const spooled = after.frames().length
    await after.runner.run(done)
    await after.runner.run(cut)
    expect(after.frames().length).toBe(spooled)
    expect(readFileSync(counter, 'utf8')).toBe('run\n')
    // A third start finds nothing left to report.
    const third = stepHarness({ dir })
    expect(third.frames().length).toBe(spooled)
  })

  it('removes script files a crashed agent left behind', () => {
    const dir = tempDir()
    const left = join(dir, 'work', 'sitewire-step-x')
    mkdirSync(left, { recursive: true })
    writeFileSync(join(left, 'script.sh'), 'echo {{ a secret, resolved }}')
    stepHarness({ dir })
    expect(readdirSync(dir)).not.toContain('work')
  })

  it('sends output in numbered chunks, lines in order with the time each was read', async () => {
    const { run } = stepHarness()
    const began = new Date().toISOString()
    const result = await run({
      kind: 'script',
      body: 'i=1\nwhile [ $i -le 12000 ]; do echo "line $i"; i=$((i+1)); done\necho "to stderr" >&2\nsleep 0.4\necho late',
    })
    const ended = new Date().toISOString()
    expect(result.output.map((chunk) => chunk.chunk)).toEqual(result.output.map((_, n) => n))
    expect(result.output.length).toBeGreaterThanOrEqual(3)
    expect(result.output.every((chunk) => chunk.lines.length <= DEFAULT_CHUNK_LIMITS.maxLines)).toBe(true)
    const stdout = result.lines.filter((line) => line.stream === 'stdout').map((line) => line.text)
    expect(stdout).toEqual([...Array.from({ length: 12_000 }, (_, n) => `line ${n + 1}`), 'late'])
    expect(result.lines.filter((line) => line.stream === 'stderr').map((line) => line.text)).toEqual([
      'to stderr',
    ])
    const times = result.lines.map((line) => line.at)
    expect(times).toEqual([...times].sort())
    expect(Date.parse(times[0] ?? '')).toBeGreaterThanOrEqual(Date.parse(began))
    expect(Date.parse(times.at(-1) ?? '')).toBeLessThanOrEqual(Date.parse(ended))
    // `late` came after a pause: a chunk of its own, stamped later.
    expect(result.output.at(-1)?.lines.map((line) => line.text)).toEqual(['late'])
    expect(Date.parse(times.at(-1) ?? '') - Date.parse(times.at(-2) ?? '')).toBeGreaterThanOrEqual(350)
  })
})

describe('StepLedger', () => {
  it('keeps the latest attempts only', () => {
    const path = join(tempDir(), 'steps.json')
    const ledger = new StepLedger(path, 10)
    for (let n = 0; n < 15; n++) {
      ledger.started({ run_id: 'R', index: n, attempt: 1 })
      if (n < 14) ledger.finished({ run_id: 'R', index: n, attempt: 1 })
    }
    const reread = new StepLedger(path, 10)
    expect(reread.has({ run_id: 'R', index: 4, attempt: 1 })).toBe(false)
    expect(reread.has({ run_id: 'R', index: 5, attempt: 1 })).toBe(true)
    expect(reread.has({ run_id: 'R', index: 14, attempt: 2 })).toBe(false)
    expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveLength(10)
    expect(reread.unfinished()).toEqual([expect.objectContaining({ run_id: 'R', index: 14, attempt: 1 })])
  })
})
