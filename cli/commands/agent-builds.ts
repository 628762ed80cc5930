import { createHash, createPublicKey } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8 } from 'jose'
import { endorseKey, signBuild } from '../../schema/agent/build-signature'
import {
  AgentBuild,
  AgentVersion,
  CompactJws,
  PutSigningKeyBody,
  SigningKey,
} from '../../schema/api/agent-builds'
import { action, examples } from '../action'
import { CliError, parseInput } from '../errors'
import { pagedList } from '../paged-list'
import type { Column } from '../table'

const columns: Column<AgentBuild>[] = [
  { header: 'ID', value: (build) => build.id },
  { header: 'VERSION', value: (build) => build.version },
  { header: 'BYTES', value: (build) => build.bytes },
  { header: 'SHA-256', value: (build) => build.sha256.slice(0, 16) },
  { header: 'SIGNATURE', value: (build) => build.signature_status },
  { header: 'CREATED', value: (build) => build.created_at },
]

const readBytes = (path: string) =>
  readFile(path).catch((error: Error) => {
    throw new CliError(`cannot read ${path}: ${error.message}`)
  })

/** A private key file `keygen` wrote, checked to be one. */
const readPrivateKey = async (path: string) => {
  const pem = (await readBytes(path)).toString('utf8')
  await importPKCS8(pem, 'EdDSA').catch(() => {
    throw new CliError(`${path} is not an Ed25519 private key (PKCS8 PEM)`)
  })
  return pem
}

/** The public half of a private key file, as the platform and agents name it. */
const publicKeyOf = (pem: string) => {
  const jwk = createPublicKey(pem).export({ format: 'jwk' })
  if (!jwk.x) throw new CliError('the key has no Ed25519 public part')
  return jwk.x
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

const putKey = async (session: Parameters<Parameters<typeof action>[0]>[0], body: PutSigningKeyBody) => {
  const key = await (await session.api()).json(SigningKey, 'PUT', '/v1/agent-signing-key', {
    body: JSON.stringify(parseInput(PutSigningKeyBody, body, 'signing key')),
    headers: { 'content-type': 'application/json' },
  })
  session.printer.item(key, (row) => row.public_key)
}

export const registerAgentBuilds = (program: Command) => {
  const builds = program
    .command('agent-builds')
    .alias('agent-build')
    .description('signed agent builds, which rollouts send to agents; the signing key stays with you')
    .addHelpText(
      'after',
      examples(
        'sitewire agent-builds keygen -o signing.key && sitewire agent-builds set-key --key signing.key',
        'sitewire agent-builds upload dist/agent/sitewire-agent.mjs --build-version 1.4.0 --key signing.key',
        'sitewire agent-builds list',
      ),
    )

  builds
    .command('keygen')
    .description(
      'make an Ed25519 signing key pair: the private key goes to a file (0600), the public key is printed',
    )
    .requiredOption('-o, --output <path>', 'where to write the private key')
    .addHelpText('after', examples('sitewire agent-builds keygen -o ~/.config/sitewire/agent-signing.key'))
    .action(
      action<{ output: string }>(async (session, _args, options) => {
        const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
          crv: 'Ed25519',
          extractable: true,
        })
        // Never over an existing key: builds signed with it could no longer be told apart.
        await writeFile(options.output, await exportPKCS8(privateKey), { mode: 0o600, flag: 'wx' }).catch(
          (error: Error) => {
            throw new CliError(`cannot write ${options.output}: ${error.message}`)
          },
        )
        session.printer.line((await exportJWK(publicKey)).x ?? '')
        session.printer.note(`wrote the private key to ${options.output}; keep it off the platform`)
      }),
    )

  builds
    .command('set-key')
    .description("set the tenant's first signing key, the public half of --key")
    .requiredOption('--key <path>', 'the private key file keygen wrote')
    .addHelpText('after', examples('sitewire agent-builds set-key --key signing.key'))
    .action(
      action<{ key: string }>(async (session, _args, options) => {
        const pem = await readPrivateKey(options.key)
        await putKey(session, { public_key: publicKeyOf(pem), endorsement: null })
      }),
    )

  builds
    .command('rotate-key')
    .description('replace the signing key: the new key, endorsed by the current one, which agents check')
    .requiredOption('--current-key <path>', 'the private key in use now')
    .requiredOption('--new-key <path>', 'the private key to use from now on')
    .addHelpText(
      'after',
      examples('sitewire agent-builds rotate-key --current-key old.key --new-key new.key'),
    )
    .action(
      action<{ currentKey: string; newKey: string }>(async (session, _args, options) => {
        const current = await readPrivateKey(options.currentKey)
        const next = publicKeyOf(await readPrivateKey(options.newKey))
        await putKey(session, { public_key: next, endorsement: await endorseKey(current, next) })
      }),
    )

  builds
    .command('key')
    .description("the tenant's signing key, as agents are given it")
    .addHelpText('after', examples('sitewire agent-builds key'))
    .action(
      action(async (session) => {
        const key = await (await session.api()).get(SigningKey, '/v1/agent-signing-key')
        session.printer.item(key, (row) => row.public_key)
      }),
    )

  builds
    .command('sign')
    .description('sign a build offline: prints the signature upload --signature takes')
    .argument('<file>', 'the bundled agent')
    .requiredOption('--build-version <version>', 'the version the build reports (its --version)')
    .requiredOption('--key <path>', 'the private key file')
    .addHelpText(
      'after',
      examples('sitewire agent-builds sign sitewire-agent.mjs --build-version 1.4.0 --key signing.key'),
    )
    .action(
      action<{ buildVersion: string; key: string }>(async (session, [path = ''], options) => {
        const version = parseInput(AgentVersion, options.buildVersion, 'build version')
        const bytes = await readBytes(path)
        session.printer.line(
          await signBuild(await readPrivateKey(options.key), { version, sha256: sha256Of(bytes) }),
        )
      }),
    )

  builds
    .command('upload')
    .description('upload a build, signed with --key here or by --signature made elsewhere')
    .argument('<file>', 'the bundled agent')
    .requiredOption('--build-version <version>', 'the version the build reports (its --version)')
    .option('--key <path>', 'sign it with this private key file')
    .option('--signature <jws>', 'the signature `sign` made')
    .addHelpText(
      'after',
      examples(
        'sitewire agent-builds upload sitewire-agent.mjs --build-version 1.4.0 --key signing.key',
        'sitewire agent-builds upload sitewire-agent.mjs --build-version 1.4.0 --signature "$(cat build.sig)"',
      ),
    )
    .action(
      action<{ buildVersion: string; key?: string; signature?: string }>(
        async (session, [path = ''], options) => {
          const version = parseInput(AgentVersion, options.buildVersion, 'build version')
          const bytes = await readBytes(path)
          const sha256 = sha256Of(bytes)
          if (options.key && options.signature) throw new CliError('give --key or --signature, not both')
          const signature = options.key
            ? await signBuild(await readPrivateKey(options.key), { version, sha256 })
            : options.signature && parseInput(CompactJws, options.signature, 'signature')
          const build = await (await session.api()).json(AgentBuild, 'POST', '/v1/agent-builds', {
            query: { version, ...(signature ? { signature } : {}) },
            body: bytes,
            headers: { 'content-type': 'text/javascript' },
          })
          if (build.sha256 !== sha256)
            throw new CliError(`the platform stored SHA-256 ${build.sha256}, not ${sha256}`)
          session.printer.item(build, (row) => row.id)
          if (build.signature_status !== 'valid')
            session.printer.note(`signature ${build.signature_status}: agents will refuse this build`)
        },
      ),
    )

  pagedList(
    builds
      .command('list')
      .alias('ls')
      .description("the tenant's agent builds")
      .addHelpText('after', examples('sitewire agent-builds list')),
    AgentBuild,
    '/v1/agent-builds',
    columns,
  )

  builds
    .command('show')
    .description('a build’s version, SHA-256 and signature status')
    .argument('<build>')
    .addHelpText('after', examples('sitewire agent-builds show 01J…'))
    .action(
      action(async (session, [id]) => {
        session.printer.item(
          await (await session.api()).get(AgentBuild, `/v1/agent-builds/${id}`),
          (row) => row.id,
        )
      }),
    )

  builds
    .command('delete')
    .alias('rm')
    .description('delete a build')
    .argument('<build>')
    .addHelpText('after', examples('sitewire agent-builds delete 01J…'))
    .action(
      action(async (session, [id]) => {
        const build = await (await session.api()).json(AgentBuild, 'DELETE', `/v1/agent-builds/${id}`)
        session.printer.item(build, (row) => row.id)
      }),
    )
}
