import { spawn } from 'node:child_process'
import type { Manifest } from '../../schema/resources/manifest'
import type { UpdateStrategy } from '../../schema/resources/resource'
import { type Applier, type ApplyOutcome, failed } from './applier'

/** Longest an applier command may take for one manifest. */
const APPLIER_TIMEOUT_MS = 120_000
/** How much of its output is kept: for the observed object, or the message of a failure. */
const MAX_OUTPUT = 64 * 1024

const runApplier = (command: readonly string[], manifest: Manifest, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const [file, ...args] = command as [string, ...string[]]
    const child = spawn(file, args, {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: APPLIER_TIMEOUT_MS,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk.toString()
    })
    child.on('error', (error) => resolve({ code: null, stdout, stderr: error.message }))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.on('error', () => undefined)
    child.stdin.end(JSON.stringify(manifest))
  })

const parsedOr = (text: string): Record<string, unknown> => {
  try {
    const json = JSON.parse(text) as unknown
    return json !== null && typeof json === 'object' && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : { output: text }
  } catch {
    return { output: text.trim() }
  }
}

/**
 * The site's applier command, for kinds the agent has none of its own for (a Kubernetes
 * manifest through `kubectl apply --server-side -f -`, say): the manifest as JSON on stdin,
 * `SITEWIRE_RESOURCE_ACTION` = `apply` or `delete` and `SITEWIRE_UPDATE_STRATEGY` in its
 * environment. Exit 0 is applied; JSON on stdout is the observed object feedback rules read.
 */
export class CommandApplier implements Applier {
  constructor(private readonly command: readonly string[]) {}

  async apply(manifest: Manifest, strategy: UpdateStrategy): Promise<ApplyOutcome> {
    const { code, stdout, stderr } = await runApplier(this.command, manifest, {
      SITEWIRE_RESOURCE_ACTION: 'apply',
      SITEWIRE_UPDATE_STRATEGY: strategy,
    })
    if (code !== 0) return failed(`the applier exited with ${code}: ${stderr.trim().slice(-500)}`)
    return {
      applied: true,
      changed: false,
      available: true,
      message: 'applied by the site’s applier',
      observed: parsedOr(stdout),
    }
  }

  async remove(manifest: Manifest) {
    const { code, stderr } = await runApplier(this.command, manifest, { SITEWIRE_RESOURCE_ACTION: 'delete' })
    if (code !== 0)
      throw new Error(`the applier could not delete it (exit ${code}): ${stderr.trim().slice(-500)}`)
  }
}
