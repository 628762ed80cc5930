import { chownSync, readFileSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import * as v from 'valibot'
import { SecretName } from '../../schema/common'
import { SECRET_REFERENCE, type Step } from '../../schema/tasks/steps'
import { AgentError } from '../errors'
import { writeFileAtomic } from '../state-dir'
import { MIN_MASKED_LENGTH } from './mask'
import { StepProblem } from './result'

/** Messages of their own: valibot's would quote the value it received. */
export const SecretValue = v.pipe(
  v.string('a secret value is text'),
  v.minLength(
    MIN_MASKED_LENGTH,
    `a secret value has at least ${MIN_MASKED_LENGTH} characters, or output could not mask it`,
  ),
)

const SecretsFile = v.record(SecretName, SecretValue)

/** Each problem on one line, prefixed by the secret's name when there is one. */
const describeIssues = (issues: v.GenericIssue[]) =>
  issues
    .map((issue) => {
      const key = issue.path?.[0]?.key
      return typeof key === 'string' ? `${key}: ${issue.message}` : issue.message
    })
    .join('; ')

/**
 * The secrets steps refer to by name, kept on this machine only: `secrets.json` in the
 * state directory, mode 0600, read afresh for each step so a change needs no restart.
 */
export class SecretStore {
  constructor(private readonly path: string) {}

  read(): Record<string, string> {
    let mode: number
    try {
      mode = statSync(this.path).mode & 0o777
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw error
    }
    // As ssh does with a private key: a file others could read is not used.
    if ((mode & 0o077) !== 0) {
      throw new AgentError(
        `${this.path} may be read by others (mode 0${mode.toString(8)}): chmod 600 it, and take its secrets as exposed`,
      )
    }
    const text = readFileSync(this.path, 'utf8')
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new AgentError(`${this.path} is not valid JSON`)
    }
    const parsed = v.safeParse(SecretsFile, json)
    if (!parsed.success) throw new AgentError(`${this.path} is not valid: ${describeIssues(parsed.issues)}`)
    return parsed.output
  }

  names(): string[] {
    return Object.keys(this.read()).sort()
  }

  set(name: string, value: string) {
    const checked = v.safeParse(v.tuple([SecretName, SecretValue]), [name, value])
    if (!checked.success) throw new AgentError(`cannot set ${name}: ${describeIssues(checked.issues)}`)
    this.write({ ...this.read(), [name]: value })
  }

  /** Returns whether there was such a secret. */
  unset(name: string): boolean {
    const { [name]: removed, ...rest } = this.read()
    if (removed === undefined) return false
    this.write(rest)
    return true
  }

  private write(secrets: Record<string, string>) {
    writeFileAtomic(this.path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, durable: true })
    // Root setting secrets for an agent that runs as another user: the file is that user's.
    const owner = statSync(dirname(this.path))
    if (process.getuid?.() === 0 && owner.uid !== 0) chownSync(this.path, owner.uid, owner.gid)
  }
}

/** `value` with each string in it (at any depth) passed through `change`. */
const mapStrings = (value: unknown, change: (text: string) => string): unknown => {
  if (typeof value === 'string') return change(value)
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, change))
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, change)]))
  return value
}

/**
 * The step with its `{{ secrets.NAME }}` replaced by their values, and those values, which
 * output must mask. The store is read only when the step refers to a secret; any unknown
 * one fails the step before anything runs.
 */
export const resolveSecrets = <S extends Step>(
  step: S,
  read: () => Record<string, string>,
): { step: S; values: string[] } => {
  const names = new Set<string>()
  mapStrings(step, (text) => {
    for (const match of text.matchAll(SECRET_REFERENCE)) names.add(match[1] as string)
    return text
  })
  if (names.size === 0) return { step, values: [] }
  let secrets: Record<string, string>
  try {
    secrets = read()
  } catch (error) {
    throw new StepProblem('error', `the secrets of this machine are unreadable: ${(error as Error).message}`)
  }
  const missing = [...names].filter((name) => secrets[name] === undefined)
  if (missing.length > 0) {
    throw new StepProblem(
      'error',
      `unknown secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: set ${missing.length > 1 ? 'them' : 'it'} on this machine with "sitewire-agent secrets set NAME"`,
    )
  }
  const resolved = mapStrings(step, (text) =>
    text.replace(SECRET_REFERENCE, (_, name: string) => secrets[name] as string),
  ) as S
  return { step: resolved, values: [...names].map((name) => secrets[name] as string) }
}
