import { password as askSecret, input, select } from '@inquirer/prompts'
import type { Command } from 'commander'
import * as v from 'valibot'
import { ChangePasswordBody, Me, SignedIn, SignInBody, User } from '../../schema/api/users'
import { action, examples } from '../action'
import { ApiClient, SESSION_COOKIE, SIGN_IN_PATH } from '../api-client'
import { type Credentials, contextNameFor } from '../config-file'
import { ApiFailure, CliError, EXIT, parseInput } from '../errors'
import { readStdin } from '../stdin'
import type { Column } from '../table'

interface LoginOptions {
  key?: string
  email?: string
  passwordStdin?: boolean
  keyStdin?: boolean
  name?: string
}

const readLine = async () => (await readStdin()).trim()

/**
 * Opens a session with an email and password; the session's cookie becomes the credentials.
 * A password an admin reset opens no session: the user chooses a new one, in a terminal.
 */
const signIn = async (url: string, email: string, password: string): Promise<Credentials> => {
  const client = new ApiClient(url, undefined)
  let response: Response
  try {
    response = await client.send('POST', SIGN_IN_PATH, {
      json: parseInput(SignInBody, { email, password }, 'sign-in'),
    })
  } catch (error) {
    if (!(error instanceof ApiFailure && error.code === 'password_change_required')) throw error
    if (!process.stdin.isTTY)
      throw new CliError(error.message, EXIT.failure, ['sign in from a terminal to choose a new password'])
    const newPassword = await askSecret({
      message: 'An admin reset your password. New password (12+ characters)',
      mask: '*',
    })
    const body = parseInput(SignInBody, { email, password, new_password: newPassword }, 'sign-in')
    response = await client.send('POST', SIGN_IN_PATH, { json: body })
  }
  const cookie = new RegExp(`${SESSION_COOKIE}=([^;,\\s]+)`).exec(
    response.headers.get('set-cookie') ?? '',
  )?.[1]
  if (!cookie) throw new CliError('the platform signed in but set no session cookie')
  const signedIn = v.parse(SignedIn, await response.json())
  return {
    type: 'session',
    cookie,
    email: signedIn.user.email,
    expires_at: signedIn.expires_at,
  }
}

/** Asks for what was not given: an API key, or an email and password. */
const credentialsFor = async (url: string, options: LoginOptions): Promise<Credentials> => {
  if (options.key) return { type: 'key', key: options.key }
  if (options.keyStdin) return { type: 'key', key: await readLine() }
  if (options.email) {
    const password = options.passwordStdin
      ? await readLine()
      : await askSecret({ message: 'Password', mask: '*' })
    return signIn(url, options.email, password)
  }
  if (!process.stdin.isTTY) {
    throw new CliError('give --key, --key-stdin or --email: there is no terminal to ask', EXIT.usage)
  }
  const how = await select({
    message: `Sign in to ${url} with`,
    choices: [
      { name: 'an API key', value: 'key' },
      { name: 'an email and password (a 12-hour session)', value: 'password' },
    ],
  })
  if (how === 'key') return { type: 'key', key: await askSecret({ message: 'API key', mask: '*' }) }
  const email = await input({ message: 'Email' })
  return signIn(url, email, await askSecret({ message: 'Password', mask: '*' }))
}

const whoText = (me: v.InferOutput<typeof Me>) =>
  me.user
    ? `${me.user.email} (${me.role ?? 'no tenant role'})`
    : `API key ${me.actor.id} (${me.role ?? 'site roles only'})`

const contextColumns: Column<{
  name: string
  url: string
  auth: string
  site: string | undefined
  current: boolean
}>[] = [
  { header: '', value: (row) => (row.current ? '*' : '') },
  { header: 'NAME', value: (row) => row.name },
  { header: 'URL', value: (row) => row.url },
  { header: 'AUTH', value: (row) => row.auth },
  { header: 'SITE', value: (row) => row.site },
]

export const registerLogin = (program: Command) => {
  program
    .command('login')
    .description('sign in to a platform and keep its credentials in a context (mode 0600)')
    .argument('[url]', 'the platform, such as http://127.0.0.1:8787 (default: the current context)')
    .option('--key <key>', 'an API key (prefer --key-stdin: options show in `ps`)')
    .option('--key-stdin', 'read the API key from stdin')
    .option('--email <email>', 'sign in as a user; the password is asked for')
    .option('--password-stdin', 'read the password from stdin')
    .option('--name <context>', 'the context to keep it in (default: the host and port)')
    .addHelpText(
      'after',
      examples(
        'sitewire login http://127.0.0.1:8787            # asks how',
        'echo "$KEY" | sitewire login http://127.0.0.1:8787 --key-stdin',
        'sitewire login https://ops.example.com --email me@example.com --name prod',
      ),
    )
    .action(
      action<LoginOptions>(async (session, [given], options) => {
        const config = await session.readConfig()
        const url = given ?? session.options.url ?? session.env.SITEWIRE_URL ?? (await session.resolve()).url
        if (!url) throw new CliError('name the platform: sitewire login <url>', EXIT.usage)
        parseInput(
          v.pipe(v.string(), v.url('the platform is a URL such as http://127.0.0.1:8787')),
          url,
          'URL',
        )
        const credentials = await credentialsFor(url, options)
        const me = await new ApiClient(url, credentials).get(Me, '/v1/auth/me')
        const name = options.name ?? contextNameFor(url)
        const previous = config.contexts[name]
        config.contexts[name] = {
          url,
          credentials,
          ...(previous?.site && previous.url === url ? { site: previous.site } : {}),
        }
        config.current = name
        await session.writeConfig(config)
        session.printer.note(`Signed in to ${url} as ${whoText(me)}; context "${name}" is current.`)
      }),
    )

  program
    .command('logout')
    .description("forget the current context's credentials (ends a password session on the platform)")
    .action(
      action(async (session) => {
        const target = await session.resolve()
        if (!target.contextName || !target.context) throw new CliError('no context to log out of', EXIT.usage)
        if (target.context.credentials?.type === 'session' && target.client) {
          await target.client.send('POST', '/v1/auth/sign-out').catch(() => undefined)
        }
        const config = await session.readConfig()
        const { credentials: _dropped, ...rest } = target.context
        config.contexts[target.contextName] = rest
        await session.writeConfig(config)
        session.printer.note(`Logged out of ${target.context.url}.`)
      }),
    )

  program
    .command('password')
    .description('change my password (signed in with a password; my other sessions end)')
    .action(
      action(async (session) => {
        if (!process.stdin.isTTY)
          throw new CliError('changing a password needs a terminal to ask in', EXIT.usage)
        const body = parseInput(
          ChangePasswordBody,
          {
            current_password: await askSecret({ message: 'Current password', mask: '*' }),
            new_password: await askSecret({ message: 'New password (12+ characters)', mask: '*' }),
          },
          'password change',
        )
        const user = await (await session.api()).json(User, 'POST', '/v1/auth/password', { json: body })
        session.printer.note(`Password of ${user.email} changed.`)
      }),
    )

  program
    .command('whoami')
    .description('who the platform sees: the user or key, its roles and scopes')
    .action(
      action(async (session) => {
        const me = await (await session.api()).get(Me, '/v1/auth/me')
        session.printer.item(me, (row) => row.actor.id, [
          { header: 'actor', value: (row) => `${row.actor.type} ${row.actor.id}` },
          { header: 'user', value: (row) => row.user?.email },
          { header: 'tenant', value: (row) => row.tenant_id },
          { header: 'role', value: (row) => row.role },
          { header: 'site roles', value: (row) => row.site_roles },
          { header: 'scopes', value: (row) => row.scopes },
        ])
      }),
    )

  const context = program
    .command('context')
    .description('named platforms and credentials: list, use, remove')
    .addHelpText(
      'after',
      examples('sitewire context list', 'sitewire context use prod', 'sitewire --context staging sites list'),
    )
  context
    .command('list')
    .alias('ls')
    .description('every context; * marks the current one')
    .action(
      action(async (session) => {
        const config = await session.readConfig()
        const rows = Object.entries(config.contexts).map(([name, entry]) => ({
          name,
          url: entry.url,
          auth:
            entry.credentials?.type === 'session'
              ? `session ${entry.credentials.email}`
              : entry.credentials
                ? 'api key'
                : 'none',
          site: entry.site,
          current: name === config.current,
        }))
        session.printer.list({ items: rows }, contextColumns, (row) => row.name)
      }),
    )
  context
    .command('use')
    .description('make a context current')
    .argument('<name>')
    .action(
      action(async (session, [name = '']) => {
        const config = await session.readConfig()
        if (!config.contexts[name]) throw new CliError(`no context named ${name}`, EXIT.usage)
        config.current = name
        await session.writeConfig(config)
        session.printer.note(`Context "${name}" is current.`)
      }),
    )
  context
    .command('remove')
    .alias('rm')
    .description('forget a context and its credentials')
    .argument('<name>')
    .action(
      action(async (session, [name = '']) => {
        const config = await session.readConfig()
        if (!config.contexts[name]) throw new CliError(`no context named ${name}`, EXIT.usage)
        delete config.contexts[name]
        if (config.current === name) config.current = null
        await session.writeConfig(config)
        session.printer.note(`Context "${name}" removed.`)
      }),
    )
}
