import { createHash } from 'node:crypto'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../config'
import { enrol } from '../enrol'
import type { Identity } from '../identity'
import { type PrivateKey, readPrivateKey } from '../keys'
import { createLogger } from '../log'
import { statePaths } from '../state-dir'
import { TestPlatform } from '../testing/platform'
import { stepHarness } from '../testing/steps'
import { tempDir } from '../testing/temp-dir'
import { signAgentToken } from '../token'

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex')
const isRoot = process.getuid?.() === 0

let platform: TestPlatform
let identity: Identity
let key: PrivateKey
let stateDir: string
beforeAll(async () => {
  platform = await TestPlatform.start()
  stateDir = mkdtempSync(join(tmpdir(), 'sitewire-agent-files-'))
  const config = resolveConfig({ stateDir }, {})
  identity = await enrol(
    await platform.enrolmentToken(),
    config,
    createLogger('error', () => undefined),
  )
  key = await readPrivateKey(statePaths(config.state_dir).key)
})
afterAll(async () => {
  await platform.close()
  rmSync(stateDir, { recursive: true, force: true })
})

/** A harness whose transfers carry this agent's JWT to the test platform. */
const harness = () =>
  stepHarness({
    transfer: { baseUrl: platform.url, sign: (path) => signAgentToken(key, identity, path) },
  })

const FILE_ID = '01J00000000000000000000009'

/** A file the platform serves at `path`, announced with `announced` (the real one unless a test lies). */
const serve = (path: string, content: Buffer, announced = content) => {
  platform.files.set(path, content)
  return { url: path, sha256: sha256(announced), bytes: announced.length }
}

describe('file push', () => {
  it('downloads with its own JWT, checks, then replaces the destination with the mode asked', async () => {
    const { run } = harness()
    const dir = tempDir()
    const destination = join(dir, 'app.conf')
    writeFileSync(destination, 'old content\n')
    const content = Buffer.from('listen 8080\nworkers 4\n')
    const path = `/v1/sites/${platform.siteId}/files/${FILE_ID}/content`
    const result = await run(
      { kind: 'file', direction: 'push', file_id: FILE_ID, path: destination, mode: '0640' },
      { file: serve(path, content) },
    )
    expect(result.end).toMatchObject({
      outcome: 'succeeded',
      message: `wrote ${content.length} bytes to ${destination}`,
    })
    expect(result.started).toEqual([expect.objectContaining({ pid: null })])
    expect(readFileSync(destination)).toEqual(content)
    expect(statSync(destination).mode & 0o777).toBe(0o640)
    expect(readdirSync(dir)).toEqual(['app.conf'])
    expect(platform.transfers.at(-1)).toEqual({ method: 'GET', path, status: 200 })
  })

  it('leaves the destination untouched when the checksum does not match', async () => {
    const { run } = harness()
    const dir = tempDir()
    const destination = join(dir, 'app.conf')
    writeFileSync(destination, 'old content\n')
    chmodSync(destination, 0o600)
    const announced = Buffer.from('the real content\n')
    const corrupted = Buffer.from('the r3al content\n')
    const path = `/v1/sites/${platform.siteId}/files/${FILE_ID}/corrupted`
    const result = await run(
      { kind: 'file', direction: 'push', file_id: FILE_ID, path: destination },
      { file: serve(path, corrupted, announced) },
    )
    expect(result.end?.outcome).toBe('failed')
    expect(result.end?.message).toBe(
      `checksum mismatch: expected ${announced.length} bytes with SHA-256 ${sha256(announced)}, got ${corrupted.length} bytes with SHA-256 ${sha256(corrupted)}; ${destination} is unchanged`,
    )
    expect(readFileSync(destination, 'utf8')).toBe('old content\n')
    expect(statSync(destination).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['app.conf'])
  })

  it('fails when the platform refuses the download', async () => {
    const { run } = stepHarness({
      transfer: { baseUrl: platform.url, sign: (path) => signAgentToken(key, identity, `${path}/other`) },
    })
    const destination = join(tempDir(), 'app.conf')
    const path = `/v1/sites/${platform.siteId}/files/${FILE_ID}/refused`
    const result = await run(
      { kind: 'file', direction: 'push', file_id: FILE_ID, path: destination },
      { file: serve(path, Buffer.from('x')) },
    )
    expect(result.end).toMatchObject({
      outcome: 'failed',
      message: 'could not download the file: HTTP 401 Unauthorized',
    })
  })

  it.skipIf(!isRoot)('gives the file to its owner', async () => {
    const { run } = harness()
    const destination = join(tempDir(), 'owned')
    const path = `/v1/sites/${platform.siteId}/files/${FILE_ID}/owned`
    const result = await run(
      { kind: 'file', direction: 'push', file_id: FILE_ID, path: destination, owner: 'nobody' },
      { file: serve(path, Buffer.from('mine')) },
    )
    expect(result.end?.outcome).toBe('succeeded')
    expect(statSync(destination).uid).toBe(65534)
  })
})

describe('file fetch', () => {
  it('uploads the file with its own JWT and reports its checksum', async () => {
    const { run } = harness()
    const source = join(tempDir(), 'app.log')
    const content = Buffer.from(`${'log line\n'.repeat(50_000)}end\n`)
    writeFileSync(source, content)
    const path = `${platform.uploadPrefix}${FILE_ID}`
    const result = await run(
      { kind: 'file', direction: 'fetch', path: source },
      { upload_url: `${platform.url}${path}` },
    )
    expect(result.end).toMatchObject({
      outcome: 'succeeded',
      message: `uploaded ${content.length} bytes from ${source}`,
      file: { sha256: sha256(content), bytes: content.length },
    })
    // Compared by digest: a deep equality of half a megabyte takes vitest seconds.
    expect(sha256(platform.uploads.get(path) ?? Buffer.alloc(1))).toBe(sha256(content))
  })

  it('uploads an empty file', async () => {
    const { run } = harness()
    const source = join(tempDir(), 'empty')
    writeFileSync(source, '')
    const path = `${platform.uploadPrefix}empty`
    const result = await run({ kind: 'file', direction: 'fetch', path: source }, { upload_url: path })
    expect(result.end).toMatchObject({
      outcome: 'succeeded',
      file: { sha256: sha256(Buffer.alloc(0)), bytes: 0 },
    })
    expect(platform.uploads.get(path)).toEqual(Buffer.alloc(0))
  })

  it('fails for a missing file, sending nothing', async () => {
    const { run } = harness()
    const source = join(tempDir(), 'missing.log')
    const before = platform.transfers.length
    const result = await run(
      { kind: 'file', direction: 'fetch', path: source },
      { upload_url: `${platform.uploadPrefix}missing` },
    )
    expect(result.end).toMatchObject({ outcome: 'failed', message: `no such file: ${source}` })
    expect(result.end?.file).toBeUndefined()
    expect(platform.transfers.length).toBe(before)
  })
})
