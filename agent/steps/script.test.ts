import { execFileSync } from 'node:child_process'
import { readdirSync, realpathSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { isGone, QUICK_TIMING, stepHarness, stepMessage } from '../testing/steps'
import { tempDir } from '../testing/temp-dir'

const installed = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const isRoot = process.getuid?.() === 0

/** The pid a script printed on its first line. */
const printedPid = (text: string[]) => Number(text[0])

describe('script steps', () => {
  it('runs a script, reporting started with its pid, its output, and success', async () => {
    const { run } = stepHarness()
    const result = await run({ kind: 'script', body: 'echo "pid $$"\necho done' })
    expect(result.started).toHaveLength(1)
    const pid = result.started[0]?.pid
    expect(pid).toBeGreaterThan(0)
    expect(result.text).toEqual([`pid ${pid}`, 'done'])
    expect(result.finished).toEqual([
      expect.objectContaining({ outcome: 'succeeded', exit_code: 0, signal: null, message: null }),
    ])
    expect(result.frames.map((frame) => frame.type)).toEqual([
      'io.sitewire.step.started',
      'io.sitewire.step.output',
      'io.sitewire.step.finished',
    ])
  })

  it('fails with the exit code, keeping stderr apart from stdout', async () => {
    const { run } = stepHarness()
    const result = await run({ kind: 'script', body: 'echo out\necho oops >&2\nexit 3' })
    expect(result.lines.map(({ stream, text }) => ({ stream, text }))).toEqual(
      expect.arrayContaining([
        { stream: 'stdout', text: 'out' },
        { stream: 'stderr', text: 'oops' },
      ]),
    )
    expect(result.lines).toHaveLength(2)
    expect(result.end).toMatchObject({
      outcome: 'failed',
      exit_code: 3,
      signal: null,
      message: 'exited with code 3',
    })
  })

  it('passes arguments, environment and working directory, and says which attempt it is', async () => {
    const { run } = stepHarness()
    const cwd = realpathSync(tempDir())
    const result = await run(
      {
        kind: 'script',
        body: 'echo "args: $1|$2|$#"\necho "greeting: $GREETING"\npwd\necho "attempt $SITEWIRE_STEP_ATTEMPT of step $SITEWIRE_STEP_INDEX"\n[ -n "$HOME" ] && echo "home: set"',
        args: ['one two', 'three'],
        env: { GREETING: 'hello world' },
        cwd,
      },
      { index: 2, attempt: 3 },
    )
    expect(result.text).toEqual([
      'args: one two|three|2',
      'greeting: hello world',
      cwd,
      'attempt 3 of step 2',
      'home: set',
    ])
    expect(result.end?.outcome).toBe('succeeded')
  })

  it('runs bash, python3 and node scripts', async () => {
    const { run } = stepHarness()
    const bash = await run({
      kind: 'script',
      interpreter: 'bash',
      // `[[ … == pattern ]]` is bash's own: sh would fail on it.
      body: '[[ bash == b* ]] && echo "bash $1"',
      args: ['x'],
    })
    expect(bash.text).toEqual(['bash x'])
    expect(bash.end?.outcome).toBe('succeeded')
    const python = await run({
      kind: 'script',
      interpreter: 'python3',
      body: 'import sys\nprint("python", sys.argv[1])\nprint("warning", file=sys.stderr)\nsys.exit(4)',
      args: ['y'],
    })
    expect(python.lines.map(({ stream, text }) => `${stream}:${text}`).sort()).toEqual([
      'stderr:warning',
      'stdout:python y',
    ])
    expect(python.end).toMatchObject({ outcome: 'failed', exit_code: 4 })
    const node = await run({
      kind: 'script',
      interpreter: 'node',
      body: "import { platform } from 'node:os'\nconsole.log('node', process.argv[2], typeof platform())",
      args: ['z'],
    })
    expect(node.text).toEqual(['node z string'])
    expect(node.end?.outcome).toBe('succeeded')
  })

  it.skipIf(!installed('pwsh'))('runs pwsh scripts', async () => {
    const { run } = stepHarness()
    const result = await run({
      kind: 'script',
      interpreter: 'pwsh',
      body: 'Write-Output "pwsh $($args[0])"',
      args: ['w'],
    })
    expect(result.text).toEqual(['pwsh w'])
  })

  it('writes the script to a private file and removes it afterwards', async () => {
    const { run, paths } = stepHarness()
    const result = await run({
      kind: 'script',
      body: 'stat -c %a "$0"\nstat -c %a "$(dirname "$0")"\ncase "$0" in "$STATE_WORK"/*) echo inside;; esac',
      env: { STATE_WORK: paths.work },
    })
    expect(result.text).toEqual(['600', '700', 'inside'])
    expect(readdirSync(paths.work)).toEqual([])
  })

  it('says which interpreter is missing', async () => {
    const { run } = stepHarness()
    const result = await run({ kind: 'script', body: 'echo never', env: { PATH: '/nonexistent' } })
    expect(result.started).toEqual([])
    expect(result.text).toEqual([])
    expect(result.end).toMatchObject({
      outcome: 'error',
      exit_code: null,
      message: 'the interpreter sh is not installed on this machine (not found on PATH)',
    })
  })

  it('says when the working directory is missing', async () => {
    const { run } = stepHarness()
    const result = await run({ kind: 'script', body: 'echo never', cwd: '/nonexistent/dir' })
    expect(result.end).toMatchObject({
      outcome: 'error',
      message: 'the working directory /nonexistent/dir does not exist',
    })
  })

  it('stops the whole process group on timeout: SIGTERM first', async () => {
    const { run } = stepHarness()
    const began = Date.now()
    const result = await run({ kind: 'script', body: 'sleep 1000 &\necho $!\nwait', timeout_seconds: 1 })
    const took = Date.now() - began
    expect(result.end).toMatchObject({
      outcome: 'timed_out',
      signal: 'SIGTERM',
      message: 'timed out after 1 s',
    })
    expect(took).toBeGreaterThanOrEqual(1000)
    expect(took).toBeLessThan(1000 + QUICK_TIMING.killGraceMs + 1500)
    const child = printedPid(result.text)
    expect(child).toBeGreaterThan(0)
    expect(isGone(child)).toBe(true)
  })

  it('kills with SIGKILL what ignores SIGTERM once the grace period is over', async () => {
    const { run } = stepHarness({ timing: { killGraceMs: 500 } })
    const began = Date.now()
    const result = await run({
      kind: 'script',
      body: "trap '' TERM\nsleep 1000 &\necho $!\nwait",
      timeout_seconds: 1,
    })
    expect(Date.now() - began).toBeGreaterThanOrEqual(1500)
    expect(result.end).toMatchObject({ outcome: 'timed_out', signal: 'SIGKILL' })
    expect(isGone(printedPid(result.text))).toBe(true)
  })

  it('is cancelled with its children when the platform cancels its run', async () => {
    const { runner, events } = stepHarness()
    const message = stepMessage({ kind: 'script', body: 'sleep 1000 &\necho $!\nwait' })
    const done = runner.run(message)
    await vi.waitFor(() => expect(events(message.run_id).output.length).toBe(1), { timeout: 5000 })
    runner.cancel('01J00000000000000000000000')
    runner.cancel(message.run_id)
    await done
    const result = events(message.run_id)
    expect(result.finished).toEqual([expect.objectContaining({ outcome: 'cancelled', signal: 'SIGTERM' })])
    expect(isGone(Number(result.output[0]?.lines[0]?.text))).toBe(true)
    expect(isGone(result.started[0]?.pid ?? 0)).toBe(true)
  })

  it('ends its steps when the agent stops', async () => {
    const { runner, events } = stepHarness()
    const message = stepMessage({ kind: 'script', body: 'echo up\nsleep 1000' })
    const done = runner.run(message)
    await vi.waitFor(() => expect(events(message.run_id).output.length).toBe(1), { timeout: 5000 })
    await runner.stop()
    await done
    expect(events(message.run_id).finished).toEqual([
      expect.objectContaining({ outcome: 'error', message: 'the agent stopped during this step' }),
    ])
  })

  it('does not wait for a process the script leaves in the background', async () => {
    const { run } = stepHarness()
    const began = Date.now()
    const result = await run({ kind: 'script', body: 'sleep 1000 &\necho $!' })
    expect(Date.now() - began).toBeLessThan(QUICK_TIMING.drainMs + 1500)
    expect(result.end).toMatchObject({ outcome: 'succeeded', exit_code: 0 })
    const left = printedPid(result.text)
    expect(isGone(left)).toBe(false)
    process.kill(left, 'SIGKILL')
  })

  it.skipIf(!isRoot)('runs as another user when the agent is root', async () => {
    const { run } = stepHarness()
    const result = await run({
      kind: 'script',
      body: 'id -u\necho "$HOME $USER"',
      run_as: 'nobody',
      cwd: '/',
    })
    const home = execFileSync('getent', ['passwd', 'nobody'], { encoding: 'utf8' }).split(':')[5]
    expect(result.text).toEqual([
      String(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()),
      `${home} nobody`,
    ])
    expect(result.end?.outcome).toBe('succeeded')

    const unknown = await run({ kind: 'script', body: 'echo never', run_as: 'no_such_user' })
    expect(unknown.end).toMatchObject({
      outcome: 'error',
      message: 'run_as no_such_user: there is no user no_such_user on this machine',
    })
  })

  it('refuses run_as when the agent is not root', async () => {
    const { run } = stepHarness()
    vi.spyOn(process, 'getuid').mockReturnValue(1000)
    const result = await run({ kind: 'script', body: 'echo never', run_as: 'nobody' })
    vi.restoreAllMocks()
    expect(result.text).toEqual([])
    expect(result.end).toMatchObject({
      outcome: 'error',
      message: 'run_as nobody needs the agent to run as root; it runs as uid 1000',
    })
  })
})
