import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import * as v from 'valibot'
import { Ulid } from '../schema/common'

const HELP = `Operate on a Sitewire platform as the operator who runs it, with its BOOTSTRAP_TOKEN.

Usage: npm run admin -- reset-admin [options]

reset-admin mints a new admin API key for a tenant whose admin credentials are all lost,
prints it once, and records api_key.recover in the tenant's audit trail. The platform must
be running.

Options:
  --data-dir DIR   the local platform's data directory: its bootstrap token and first tenant
                   are read from there (env SITEWIRE_DATA_DIR, default .data)
  --url URL        the platform (default http://127.0.0.1:<port>)
  --port N         the local platform's port (env SITEWIRE_PORT, default 8787)
  --tenant ID      the tenant (default: the first tenant, from the data directory)
  -h, --help       show this help

In production the token is the BOOTSTRAP_TOKEN wrangler secret: set a new one with
\`npx wrangler secret put BOOTSTRAP_TOKEN\`, then run
  BOOTSTRAP_TOKEN=... npm run admin -- reset-admin --url https://<worker> --tenant <tenant id>`

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string', default: process.env.SITEWIRE_DATA_DIR ?? '.data' },
    url: { type: 'string' },
    port: { type: 'string', default: process.env.SITEWIRE_PORT ?? '8787' },
    tenant: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

const fail = (message: string): never => {
  console.error(`error: ${message}`)
  process.exit(1)
}

const FirstTenant = v.object({ tenant_id: v.optional(Ulid) })
const Recovered = v.object({ tenant_id: Ulid, key_id: Ulid, api_key: v.string() })

/** The BOOTSTRAP_TOKEN from the environment, else from the local data directory. */
const bootstrapToken = async (dataDir: string) => {
  if (process.env.BOOTSTRAP_TOKEN) return process.env.BOOTSTRAP_TOKEN
  const path = join(dataDir, 'bootstrap-token')
  if (!existsSync(path))
    fail(`no ${path}: set BOOTSTRAP_TOKEN, or start the platform once with this data directory`)
  return (await readFile(path, 'utf8')).trim()
}

/** The tenant named by --tenant, else the one the local platform's first start created. */
const tenantId = async (dataDir: string) => {
  if (options.tenant) {
    const given = v.safeParse(Ulid, options.tenant)
    return given.success ? given.output : fail('--tenant takes a tenant id (a ULID)')
  }
  const path = join(dataDir, 'bootstrap.json')
  const first = existsSync(path)
    ? v.safeParse(FirstTenant, JSON.parse(await readFile(path, 'utf8')))
    : undefined
  return first?.success && first.output.tenant_id
    ? first.output.tenant_id
    : fail(`no tenant id in ${path}: give --tenant`)
}

const resetAdmin = async () => {
  const dataDir = resolve(options['data-dir'])
  const url = options.url ?? `http://127.0.0.1:${options.port}`
  const body = JSON.stringify({ tenant_id: await tenantId(dataDir) })
  const token = await bootstrapToken(dataDir)
  const response = await fetch(new URL('/v1/bootstrap/recover-admin', url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  }).catch((error: Error) => fail(`cannot reach ${url}: is the platform running? (${error.message})`))
  const answer = await response.json()
  if (!response.ok)
    fail(
      `${(answer as { error?: { message?: string } }).error?.message ?? 'refused'} (HTTP ${response.status})`,
    )
  const recovered = v.parse(Recovered, answer)
  console.log(
    [
      `New admin API key for tenant ${recovered.tenant_id} (key ${recovered.key_id}):`,
      `  ${recovered.api_key}`,
      '(shown this once; only its hash is stored. Recorded in the audit trail as api_key.recover.)',
      `Sign in with it: sitewire login ${url} --key-stdin`,
    ].join('\n'),
  )
}

if (options.help || positionals.length === 0) {
  console.log(HELP)
  process.exit(options.help ? 0 : 2)
}
if (positionals[0] !== 'reset-admin') fail(`unknown command ${positionals[0]}; see --help`)
await resetAdmin()
