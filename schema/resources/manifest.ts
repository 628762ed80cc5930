import * as v from 'valibot'
import { Ulid } from '../common'

/** Kinds the agent applies itself; any other kind goes to the site's applier command. */
export const BUILT_IN_KINDS = ['File', 'Directory', 'Process', 'Check', 'Package', 'SystemdUnit'] as const
export type BuiltInKind = (typeof BUILT_IN_KINDS)[number]

/** Largest inline content of a `File`: desired sets travel in one agent frame. */
export const MAX_FILE_CONTENT = 64 * 1024

const AbsolutePath = v.pipe(
  v.string(),
  v.regex(/^\/[^\0]*$/, 'an absolute path'),
  v.check((path) => !path.split('/').includes('..'), 'a path without ..'),
  v.maxLength(4096),
)
const FileMode = v.pipe(v.string(), v.regex(/^0?[0-7]{3,4}$/, 'an octal mode such as 0644'))
/** A command as its argv: run without a shell. */
export const Command = v.pipe(
  v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
  v.minLength(1),
  v.maxLength(64),
)
const Name = v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/, 'a name of a-z 0-9 . _ -'))

/** A user or group by name, or by number. */
const AccountName = v.pipe(
  v.string(),
  v.regex(/^([A-Za-z_][A-Za-z0-9_.-]{0,31}\$?|\d{1,10})$/, 'a user or group name, or its number'),
)

/**
 * A file kept byte for byte, from inline `content` or a file uploaded to the site (`file_id`),
 * with its mode and, when named, its owner and group: drift is a different sha256, mode or owner.
 */
export const FileManifest = v.strictObject({
  kind: v.literal('File'),
  path: AbsolutePath,
  content: v.optional(v.pipe(v.string(), v.maxLength(MAX_FILE_CONTENT))),
  file_id: v.optional(Ulid),
  mode: v.optional(FileMode, '0644'),
  owner: v.optional(AccountName),
  group: v.optional(AccountName),
})
export type FileManifest = v.InferOutput<typeof FileManifest>

const ONE_SOURCE = 'give exactly one of content and file_id'

export const DirectoryManifest = v.strictObject({
  kind: v.literal('Directory'),
  path: AbsolutePath,
  mode: v.optional(FileMode, '0755'),
})
export type DirectoryManifest = v.InferOutput<typeof DirectoryManifest>

const Seconds = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max))

/**
 * An HTTP probe passes when `url` answers a status in `statuses` (default any 2xx or 3xx)
 * within `timeout_seconds`, with `contains` in its body when given. Redirects are not followed.
 */
export const HttpProbe = v.strictObject({
  url: v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//, 'an http or https URL'), v.maxLength(4096)),
  statuses: v.optional(
    v.pipe(
      v.array(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599))),
      v.minLength(1),
      v.maxLength(32),
    ),
  ),
  contains: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  timeout_seconds: v.optional(Seconds(300), 10),
})
export type HttpProbe = v.InferOutput<typeof HttpProbe>

/**
 * A file probe passes when `path` exists, was modified less than `max_age_seconds` ago when
 * given (a heartbeat file), and holds `contains` when given (read up to 1 MiB).
 */
export const FileProbe = v.strictObject({
  path: AbsolutePath,
  max_age_seconds: v.optional(Seconds(30 * 86_400)),
  contains: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
})
export type FileProbe = v.InferOutput<typeof FileProbe>

/** What a check or a health check probes: exactly one of a command (exit 0 passes), an HTTP request or a file. */
const ProbeEntries = {
  command: v.optional(Command),
  http: v.optional(HttpProbe),
  file: v.optional(FileProbe),
}
const ProbeSchema = v.strictObject(ProbeEntries)
export type Probe = v.InferOutput<typeof ProbeSchema>

const oneProbe = (probe: Probe) =>
  [probe.command, probe.http, probe.file].filter((given) => given !== undefined).length === 1
const ONE_PROBE = 'give exactly one of command, http and file'

/**
 * A process's health check: probed every `interval_seconds` once it has run `grace_seconds`;
 * `failures` failed probes in a row make the agent restart it.
 */
export const HealthCheck = v.pipe(
  v.strictObject({
    ...ProbeEntries,
    interval_seconds: v.optional(Seconds(3600), 10),
    failures: v.optional(Seconds(100), 3),
    grace_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3600)), 5),
  }),
  v.check((health) => oneProbe(health), ONE_PROBE),
)
export type HealthCheck = v.InferOutput<typeof HealthCheck>

/** A long-running command the agent supervises, restarted per `restart`, and when its `health` check fails. */
export const ProcessManifest = v.strictObject({
  kind: v.literal('Process'),
  name: Name,
  command: Command,
  restart: v.optional(v.picklist(['always', 'on-failure', 'never']), 'always'),
  restart_delay_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3600)), 1),
  health: v.optional(HealthCheck),
})
export type ProcessManifest = v.InferOutput<typeof ProcessManifest>

/**
 * An autonomous watcher: its probe (a `command`, an `http` request or a `file`) runs every
 * `interval_seconds`; `failures` failed probes in a row make it `failing`, one success makes
 * it `passing`; on entering `failing`, `remediation` runs.
 */
export const CheckManifest = v.strictObject({
  kind: v.literal('Check'),
  name: Name,
  ...ProbeEntries,
  interval_seconds: v.optional(Seconds(86_400), 30),
  failures: v.optional(Seconds(100), 1),
  remediation: v.optional(Command),
})
export type CheckManifest = v.InferOutput<typeof CheckManifest>

/** A package name as apt and dnf spell them; it is passed to them as one argument, never through a shell. */
const PackageName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$/, 'a package name of A-Z a-z 0-9 + . _ -'),
)
const PackageVersion = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9.+~:_-]{0,127}$/, 'a package version such as 1.2.3-1'),
)

/**
 * A package installed through apt or dnf (detected when `manager` is not named): `version`
 * pinned, or `latest` (whatever the package index, or `source`, offers when it is installed).
 * `source` is a local `.deb` or `.rpm` to install instead of the index's.
 */
export const PackageManifest = v.strictObject({
  kind: v.literal('Package'),
  name: PackageName,
  version: v.optional(v.union([v.literal('latest'), PackageVersion]), 'latest'),
  manager: v.optional(v.picklist(['apt', 'dnf'])),
  source: v.optional(AbsolutePath),
})
export type PackageManifest = v.InferOutput<typeof PackageManifest>

/**
 * A systemd unit: its file (when `content` is given), whether it is enabled and whether it is
 * active; what is left out is not managed.
 */
export const SystemdUnitManifest = v.strictObject({
  kind: v.literal('SystemdUnit'),
  name: v.pipe(
    v.string(),
    v.regex(
      /^[A-Za-z0-9:_.\\@-]{1,200}\.(service|socket|timer|target|path|mount|automount|swap|slice)$/,
      'a unit name such as web.service',
    ),
  ),
  content: v.optional(v.pipe(v.string(), v.maxLength(MAX_FILE_CONTENT))),
  enabled: v.optional(v.boolean()),
  active: v.optional(v.boolean()),
})
export type SystemdUnitManifest = v.InferOutput<typeof SystemdUnitManifest>

const BuiltInManifest = v.variant('kind', [
  FileManifest,
  DirectoryManifest,
  ProcessManifest,
  CheckManifest,
  PackageManifest,
  SystemdUnitManifest,
])
export type BuiltInManifest = v.InferOutput<typeof BuiltInManifest>

const isBuiltIn = (kind: string): kind is BuiltInKind => (BUILT_IN_KINDS as readonly string[]).includes(kind)

/**
 * One manifest: a JSON object with a `kind`. Built-in kinds are checked field by field; any
 * other kind (e.g. a Kubernetes `Deployment`) is kept as it is, for the site's applier.
 */
export const Manifest = v.pipe(
  v.looseObject({ kind: v.pipe(v.string(), v.minLength(1), v.maxLength(128)) }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed || !isBuiltIn(dataset.value.kind)) return
    const parsed = v.safeParse(BuiltInManifest, dataset.value)
    if (!parsed.success) {
      for (const issue of parsed.issues)
        addIssue({ message: issue.message, ...(issue.path ? { path: issue.path as never } : {}) })
      return
    }
    // A check's probe, and a file's source, are checked here: valibot's variant takes plain object schemas only.
    if (parsed.output.kind === 'Check' && !oneProbe(parsed.output)) addIssue({ message: ONE_PROBE })
    if (
      parsed.output.kind === 'File' &&
      (parsed.output.content === undefined) === (parsed.output.file_id === undefined)
    )
      addIssue({ message: ONE_SOURCE })
  }),
  v.transform((manifest) =>
    isBuiltIn(manifest.kind) ? (v.parse(BuiltInManifest, manifest) as typeof manifest) : manifest,
  ),
)
export type Manifest = v.InferOutput<typeof Manifest>

/** What names a manifest within its bundle: a built-in kind's path or name, else `metadata.name`. */
export const manifestIdentity = (manifest: Manifest): string => {
  const named = manifest as { path?: unknown; name?: unknown; metadata?: { name?: unknown } }
  const name = named.path ?? named.name ?? named.metadata?.name
  return `${manifest.kind}/${typeof name === 'string' ? name : ''}`
}
