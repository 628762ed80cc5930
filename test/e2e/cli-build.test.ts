import { execFile } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

/** `npm run build:cli`: one file that runs on its own, outside the checkout. */
describe('the single-file CLI build', () => {
  let elsewhere: string
  let built: string

  beforeAll(async () => {
    elsewhere = await mkdtemp(join(tmpdir(), 'sitewire-cli-build-'))
    const { stdout } = await run('npm', ['run', '-s', 'build:cli'], { cwd: root })
    built = /^Built (\S+) \(\d+ KiB\)/m.exec(stdout)?.[1] ?? ''
    expect(stdout).toContain(`  ${built} --help`)
  })

  afterAll(async () => {
    await rm(elsewhere, { recursive: true, force: true })
  })

  it('prints where the file is, and the file is executable', async () => {
    expect(built).toBe(join(root, 'dist', 'cli', 'sitewire.mjs'))
    expect((await stat(built)).mode & 0o111).not.toBe(0)
  })

  it('runs from another directory with nothing installed there', async () => {
    const env = { ...process.env, XDG_CONFIG_HOME: elsewhere, NO_COLOR: '1' }
    const version = await run(built, ['--version'], { cwd: elsewhere, env })
    expect(version.stdout).toBe('0.1.0\n')
    const completion = await run(built, ['completion', 'fish'], { cwd: elsewhere, env })
    expect(completion.stdout).toContain('complete -c sitewire')
    const refused = await run(built, ['sites', 'list'], { cwd: elsewhere, env }).catch(
      (error: { code: number; stderr: string }) => error,
    )
    expect(refused).toMatchObject({ code: 2 })
    expect((refused as { stderr: string }).stderr).toContain('error: no platform chosen')
  })
})
