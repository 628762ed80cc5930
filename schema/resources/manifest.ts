import * as v from 'valibot'

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

/** A file with inline content, kept byte for byte: drift is found by its sha256. */
export const FileManifest = v.strictObject({
  kind: v.literal('File'),
  path: AbsolutePath,
  content: v.pipe(v.string(), v.maxLength(MAX_FILE_CONTENT)),
  mode: v.optional(FileMode, '0644'),
})
export type FileManifest = v.InferOutput<typeof FileManifest>

export const DirectoryManifest = v.strictObject({
  kind: v.literal('Directory'),
  path: AbsolutePath,
  mode: v.optional(FileMode, '0755'),
})
export type DirectoryManifest = v.InferOutput<typeof DirectoryManifest>

/** A long-running command the agent supervises, restarted per `restart`. */
export const ProcessManifest = v.strictObject({
  kind: v.literal('Process'),
  name: Name,
  command: Command,
  restart: v.optional(v.picklist(['always', 'on-failure', 'never']), 'always'),
  restart_delay_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3600)), 1),
})
export type ProcessManifest = v.InferOutput<typeof ProcessManifest>

/**
 * An autonomous watcher: `command` runs every `interval_seconds`; `failures` failed runs in a
 * row make it `failing`, one success makes it `passing`; on entering `failing`, `remediation` runs.
 */
export const CheckManifest = v.strictObject({
  kind: v.literal('Check'),
  name: Name,
  command: Command,
  interval_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86_400)), 30),
  failures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 1),
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
    if (parsed.success) return
    for (const issue of parsed.issues)
      addIssue({ message: issue.message, ...(issue.path ? { path: issue.path as never } : {}) })
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
