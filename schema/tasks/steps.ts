import * as v from 'valibot'

/**
 * The steps a task is made of, as an operator writes them. Text fields may hold
 * `{{ params.NAME }}` (filled in by the platform when a run is requested) and
 * `{{ secrets.NAME }}` (resolved by the agent from its own secret store, so a secret's value
 * never leaves the machine it is used on).
 */

const Text = (max: number) => v.pipe(v.string(), v.maxLength(max))
const Name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100))
/** A POSIX user name. */
const UserName = v.pipe(v.string(), v.regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/, 'a user name such as deploy'))
const EnvName = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name'))

/** Longest a step may run, 24 hours; the default is one hour. */
export const MAX_STEP_TIMEOUT_SECONDS = 24 * 3600
/** Largest script body, or file pushed to agents through a step. */
export const MAX_SCRIPT_BYTES = 256 * 1024
export const MAX_FILE_BYTES = 100 * 1024 * 1024

const StepCommon = {
  /** Shown in logs and the UI; defaults to the kind and position. */
  name: v.optional(Name),
  timeout_seconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_STEP_TIMEOUT_SECONDS)),
    3600,
  ),
  /** Attempts after a failure, each after `backoff_seconds` doubling. */
  retries: v.optional(
    v.strictObject({
      max: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10)),
      backoff_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600)), 5),
    }),
    { max: 0, backoff_seconds: 5 },
  ),
}

export const Interpreter = v.picklist(['sh', 'bash', 'python3', 'node', 'pwsh'])
export type Interpreter = v.InferOutput<typeof Interpreter>

/** Runs `body` with an interpreter; exit code 0 succeeds. */
export const ScriptStep = v.strictObject({
  kind: v.literal('script'),
  ...StepCommon,
  interpreter: v.optional(Interpreter, 'sh'),
  body: v.pipe(v.string(), v.minLength(1), v.maxBytes(MAX_SCRIPT_BYTES)),
  args: v.optional(v.pipe(v.array(Text(4096)), v.maxLength(64)), []),
  env: v.optional(v.pipe(v.record(EnvName, Text(32 * 1024)), v.maxEntries(128)), {}),
  /** Absolute; the agent's working directory when absent. */
  cwd: v.optional(v.pipe(v.string(), v.startsWith('/', 'cwd must be absolute'), v.maxLength(4096))),
  /** Runs as this user (the agent must run as root to switch). */
  run_as: v.optional(UserName),
})
export type ScriptStep = v.InferOutput<typeof ScriptStep>

const AbsolutePath = v.pipe(v.string(), v.startsWith('/', 'path must be absolute'), v.maxLength(4096))
const FileMode = v.pipe(v.string(), v.regex(/^0?[0-7]{3,4}$/, 'an octal mode such as 0644'))
export const Sha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256'))

/**
 * `push` writes a file uploaded to the site (kept in R2) to `path` on each agent, after
 * checking its SHA-256; `fetch` reads `path` on each agent into R2.
 */
export const FileStep = v.variant('direction', [
  v.strictObject({
    kind: v.literal('file'),
    ...StepCommon,
    direction: v.literal('push'),
    file_id: v.pipe(v.string(), v.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID')),
    path: AbsolutePath,
    mode: v.optional(FileMode, '0644'),
    owner: v.optional(UserName),
  }),
  v.strictObject({
    kind: v.literal('file'),
    ...StepCommon,
    direction: v.literal('fetch'),
    path: AbsolutePath,
  }),
])
export type FileStep = v.InferOutput<typeof FileStep>

/** The agent calls an endpoint inside the customer's network; the expected status succeeds. */
export const HttpStep = v.strictObject({
  kind: v.literal('http'),
  ...StepCommon,
  method: v.optional(v.picklist(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']), 'GET'),
  url: v.pipe(v.string(), v.maxLength(4096), v.regex(/^https?:\/\/\S+$/, 'an http(s) URL')),
  headers: v.optional(v.pipe(v.record(Text(256), Text(8192)), v.maxEntries(64)), {}),
  body: v.optional(v.pipe(v.string(), v.maxBytes(MAX_SCRIPT_BYTES))),
  expect_status: v.optional(
    v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599))), v.minLength(1)),
    [200],
  ),
})
export type HttpStep = v.InferOutput<typeof HttpStep>

export const Step = v.variant('kind', [ScriptStep, FileStep, HttpStep])
export type Step = v.InferOutput<typeof Step>
export type StepInput = v.InferInput<typeof Step>

/** `{{ secrets.NAME }}`: names an agent resolves locally. */
export const SECRET_REFERENCE = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g
/** `{{ params.NAME }}`: filled in from the run's parameters. */
export const PARAM_REFERENCE = /\{\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g
