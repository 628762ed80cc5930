import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import * as v from 'valibot'

/** Where the agent keeps its files unless told otherwise. */
export const defaultStateDir = (): string => {
  if (process.getuid?.() === 0) return '/var/lib/sitewire-agent'
  const stateHome = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state')
  return join(stateHome, 'sitewire-agent')
}

/** Every file the agent keeps in its state directory. */
export const statePaths = (dir: string) => ({
  config: join(dir, 'agent.json'),
  key: join(dir, 'agent.key'),
  identity: join(dir, 'identity.json'),
  spool: join(dir, 'spool'),
  facts: join(dir, 'facts.json'),
  status: join(dir, 'status.json'),
  lock: join(dir, 'agent.pid'),
  /** Values of the secrets steps refer to as `{{ secrets.NAME }}`. */
  secrets: join(dir, 'secrets.json'),
  /** Step attempts started and finished, so a step the platform sends again never runs twice. */
  steps: join(dir, 'steps.json'),
  /** The resources the platform asked this agent to keep, and what it last reported of them. */
  resources: join(dir, 'resources.json'),
  /** The cloud connectors the platform gave this agent, and when each of their types last ran. */
  connectors: join(dir, 'connectors.json'),
  /** Script files of running steps; they may hold resolved secrets. */
  work: join(dir, 'work'),
  /** The key builds must be signed with: the tenant's, as first given, moved only along endorsements. */
  signingKey: join(dir, 'signing-key.json'),
  /** An upgrade waiting for its build to come back healthy, and failed upgrades not yet reported. */
  upgrade: join(dir, 'upgrade.json'),
  /** Builds the agent upgraded to: `current.mjs` runs, `previous.mjs` is the one to roll back to. */
  builds: join(dir, 'builds'),
})
export type StatePaths = ReturnType<typeof statePaths>

/** The state directory holds the private key: only its owner may enter it. */
export const ensureStateDir = (dir: string): void => {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
}

/** Makes a rename in `dir` survive a power cut, as the file's own fsync doesn't. */
export const syncDirectory = (dir: string) => {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Replaces a file all at once: a crash leaves the old content or the new one, never half.
 * `durable` also flushes it to disk, for files that must survive a power cut.
 */
export const writeFileAtomic = (
  path: string,
  content: string | Uint8Array,
  options: { mode?: number; durable?: boolean } = {},
) => {
  const temp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`)
  const fd = openSync(temp, 'w', options.mode ?? 0o600)
  try {
    try {
      // Whole, however long: writeSync may write only part of a large buffer.
      writeFileSync(fd, content)
      if (options.durable) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, path)
    if (options.durable) syncDirectory(dirname(path))
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}

/** Reads a JSON file the agent wrote, checked against its schema; `undefined` when absent. */
export const readJsonFile = <S extends v.GenericSchema>(
  path: string,
  schema: S,
): v.InferOutput<S> | undefined => {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${path} is not valid JSON`)
  }
  const parsed = v.safeParse(schema, json)
  if (!parsed.success) throw new Error(`${path} is not valid: ${v.summarize(parsed.issues)}`)
  return parsed.output
}
