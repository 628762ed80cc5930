import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Miniflare } from 'miniflare'
import { AGENT_BUNDLE_KEY } from '../worker/install/agent-script'

/**
 * Builds the agent bundle and puts it where the platform serves it from (`/install/…`): the
 * local R2 bucket. In production `npm run publish:agent` puts it in the real bucket.
 */
export const publishAgent = async (root: string, worker: Miniflare) => {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'agent', 'build.ts')], {
    cwd: root,
  })
  const bundle = await readFile(join(root, 'dist', 'agent', 'sitewire-agent.mjs'))
  const bucket = await worker.getR2Bucket('ARCHIVES')
  await bucket.put(AGENT_BUNDLE_KEY, new Uint8Array(bundle))
}
