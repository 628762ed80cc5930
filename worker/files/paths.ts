/**
 * Where files live: their R2 keys, and the paths agents use to move them. An agent signs its
 * JWT for exactly one of these paths, so a token opens one file and nothing else.
 */

export const siteFileKey = (siteId: string, fileId: string) => `sites/${siteId}/files/${fileId}`

/** One attempt's fetched file: a retry uploads beside the earlier attempt, never over it. */
export const fetchedFileKey = (
  siteId: string,
  runId: string,
  agentId: string,
  index: number,
  attempt: number,
) => `sites/${siteId}/runs/${runId}/files/${agentId}/${index}-${attempt}`

/** Where an agent PUTs the file a fetch step reads, for that step attempt only. */
export const uploadPath = (siteId: string, runId: string, index: number, attempt: number) =>
  `/v1/sites/${siteId}/agents/runs/${runId}/steps/${index}/${attempt}/file`

const PUSH = /^\/v1\/sites\/[^/]+\/agents\/files\/([^/]+)$/
const UPLOAD = /^\/v1\/sites\/[^/]+\/agents\/runs\/([^/]+)\/steps\/(\d{1,4})\/(\d{1,4})\/file$/
const SITE_UPLOAD = /^\/v1\/sites\/[^/]+\/files\/?$/
const BUILD_UPLOAD = /^\/v1\/agent-builds\/?$/

/** What an agent's file request asks for, read from its path. */
export type AgentFileRoute =
  | { kind: 'push'; fileId: string }
  | { kind: 'upload'; runId: string; index: number; attempt: number }

export const agentFileRoute = (path: string): AgentFileRoute | undefined => {
  const push = PUSH.exec(path)
  if (push?.[1]) return { kind: 'push', fileId: push[1] }
  const upload = UPLOAD.exec(path)
  if (upload?.[1])
    return { kind: 'upload', runId: upload[1], index: Number(upload[2]), attempt: Number(upload[3]) }
  return undefined
}

/**
 * Requests whose body is a file on its way to R2 (up to MAX_FILE_BYTES, or an agent build), not JSON: the JSON
 * body limit does not apply, and nothing reads them before the route streams them.
 */
export const streamsFile = (method: string, path: string) =>
  (method === 'POST' && (SITE_UPLOAD.test(path) || BUILD_UPLOAD.test(path))) ||
  (method === 'PUT' && UPLOAD.test(path))
