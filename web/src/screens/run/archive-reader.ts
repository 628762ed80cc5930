import { unpackTar } from 'modern-tar'
import { ApiFailure } from '../../api/client'
import type { OutputLine } from './output-lines'

interface Manifest {
  attempts: { agent_id: string; step: number; file: string }[]
}

/**
 * A finished run's output from its `.tar.gz` archive: gunzipped by the browser, untarred,
 * each attempt's file (`<time> <stream> <text>` lines) read per the manifest.
 */
export const readArchive = async (download: string): Promise<OutputLine[]> => {
  const response = await fetch(download, { credentials: 'same-origin' })
  if (!response.ok || !response.body)
    throw ApiFailure.from(response.status, await response.json().catch(() => null))
  const tar = await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer()
  const files = new Map((await unpackTar(tar)).map((entry) => [entry.header.name, entry.data]))
  const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array())
  const manifest = JSON.parse(decode(files.get('manifest.json'))) as Manifest
  return manifest.attempts.flatMap((attempt) =>
    decode(files.get(attempt.file))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [at = '', stream = '', ...text] = line.split(' ')
        return { agentId: attempt.agent_id, step: attempt.step, at, stream, text: text.join(' ') }
      }),
  )
}
