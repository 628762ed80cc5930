import { type Command, Option } from 'commander'
import type * as v from 'valibot'
import {
  ApiKey,
  AuditEntry,
  CreateApiKeyBody,
  CreatedApiKey,
  CreateGrantBody,
  Grant,
  ROLES,
  SCOPES,
} from '../../schema/api/access'
import { CreateTeamBody, Team, UpdateTeamBody } from '../../schema/api/teams'
import { CreatedUser, CreateUserBody, ResetPasswordBody, UpdateUserBody, User } from '../../schema/api/users'
import { action, examples } from '../action'
import { CliError, EXIT, parseInput } from '../errors'
import { pagedList } from '../paged-list'
import { collect } from '../pairs'
import { readStdin } from '../stdin'
import type { Column } from '../table'

const userColumns: Column<User>[] = [
  { header: 'ID', value: (user) => user.id },
  { header: 'EMAIL', value: (user) => user.email },
  { header: 'NAME', value: (user) => user.name },
  { header: 'STATUS', value: (user) => user.status },
  { header: 'CREATED', value: (user) => user.created_at },
]

const teamColumns: Column<Team>[] = [
  { header: 'ID', value: (team) => team.id },
  { header: 'NAME', value: (team) => team.name },
  { header: 'MEMBERS', value: (team) => team.member_ids.length },
  { header: 'CREATED', value: (team) => team.created_at },
]

const grantColumns: Column<Grant>[] = [
  { header: 'ID', value: (grant) => grant.id },
  { header: 'SUBJECT', value: (grant) => `${grant.subject.type} ${grant.subject.id}` },
  { header: 'ROLE', value: (grant) => grant.role },
  { header: 'SITE', value: (grant) => grant.site_id ?? 'all sites' },
]

const keyColumns: Column<ApiKey>[] = [
  { header: 'ID', value: (key) => key.id },
  { header: 'NAME', value: (key) => key.name },
  { header: 'ROLE', value: (key) => key.role },
  { header: 'SITE', value: (key) => key.site_id ?? 'all sites' },
  { header: 'SCOPES', value: (key) => key.scopes },
  { header: 'PREFIX', value: (key) => key.prefix },
  { header: 'LAST USED', value: (key) => key.last_used_at },
  { header: 'REVOKED', value: (key) => key.revoked_at },
]

const auditColumns: Column<AuditEntry>[] = [
  { header: 'TIME', value: (entry) => entry.time },
  { header: 'ACTOR', value: (entry) => `${entry.actor.type} ${entry.actor.id ?? ''}` },
  { header: 'ACTION', value: (entry) => entry.action },
  { header: 'OBJECT', value: (entry) => `${entry.object.type} ${entry.object.id ?? ''}` },
  { header: 'STATUS', value: (entry) => entry.status },
]

/** `get`, `list` and `delete` of a tenant-wide resource, which every group here shares. */
const registerBasics = <T extends { id: string }>(
  group: Command,
  spec: {
    path: string
    schema: v.GenericSchema<unknown, T>
    columns: Column<T>[]
    noun: string
    deleteVerb?: string
    deleteDescription?: string
  },
) => {
  pagedList(
    group.command('list').alias('ls').description(`list ${spec.noun}s`),
    spec.schema,
    spec.path,
    spec.columns,
  )
  group
    .command('show')
    .description(`a ${spec.noun}`)
    .argument('<id>')
    .action(
      action(async (session, [id]) => {
        session.printer.item(
          await (await session.api()).get(spec.schema, `${spec.path}/${id}`),
          (row) => row.id,
        )
      }),
    )
  if (spec.deleteVerb) {
    group
      .command(spec.deleteVerb)
      .description(spec.deleteDescription ?? `delete a ${spec.noun}`)
      .argument('<id>')
      .action(
        action(async (session, [id]) => {
          const row = await (await session.api()).json(spec.schema, 'DELETE', `${spec.path}/${id}`)
          session.printer.item(row, (item) => item.id, spec.columns)
        }),
      )
  }
}

export const registerAccess = (program: Command) => {
  const users = program
    .command('users')
    .alias('user')
    .description('people who sign in: create, rename, disable')
    .addHelpText(
      'after',
      examples(
        'sitewire users create --email ana@example.com --name Ana --role operator   # prints a generated password once',
        'sitewire users update 01J… --disable',
      ),
    )
  registerBasics<User>(users, { path: '/v1/users', schema: User, columns: userColumns, noun: 'user' })
  users
    .command('create')
    .description('create a user; without --password-stdin a password is generated and shown once')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>')
    .addOption(new Option('--role <role>', 'a role on the whole tenant').choices(ROLES))
    .option('--password-stdin', 'read the password from stdin')
    .action(
      action<{ email: string; name: string; role?: string; passwordStdin?: boolean }>(
        async (session, _args, options) => {
          const password = options.passwordStdin ? (await readStdin()).trim() : undefined
          const body = parseInput(
            CreateUserBody,
            {
              email: options.email,
              name: options.name,
              role: options.role ?? null,
              ...(password ? { password } : {}),
            },
            'user',
          )
          const user = await (await session.api()).json(CreatedUser, 'POST', '/v1/users', { json: body })
          session.printer.item(user, (row) => row.id)
        },
      ),
    )
  users
    .command('reset-password')
    .description(
      "set a user's password (generated and shown once, unless --password-stdin); they choose a new one at next sign-in",
    )
    .argument('<id>')
    .option('--password-stdin', 'read the password from stdin')
    .action(
      action<{ passwordStdin?: boolean }>(async (session, [id], options) => {
        const password = options.passwordStdin ? (await readStdin()).trim() : undefined
        const body = parseInput(ResetPasswordBody, password ? { password } : {}, 'password reset')
        const user = await (await session.api()).json(CreatedUser, 'POST', `/v1/users/${id}/password-reset`, {
          json: body,
        })
        session.printer.item(user, (row) => row.generated_password ?? row.id)
      }),
    )
  users
    .command('update')
    .description('rename, disable (ends their sessions) or enable a user')
    .argument('<id>')
    .option('--name <name>')
    .option('--disable', 'stop them signing in')
    .option('--enable', 'let them sign in again')
    .action(
      action<{ name?: string; disable?: boolean; enable?: boolean }>(async (session, [id], options) => {
        if (options.disable && options.enable)
          throw new CliError('give --disable or --enable, not both', EXIT.usage)
        const body = parseInput(
          UpdateUserBody,
          {
            ...(options.name ? { name: options.name } : {}),
            ...(options.disable ? { disabled: true } : options.enable ? { disabled: false } : {}),
          },
          'user change',
        )
        const user = await (await session.api()).json(User, 'PATCH', `/v1/users/${id}`, { json: body })
        session.printer.item(user, (row) => row.id)
      }),
    )

  const teams = program
    .command('teams')
    .alias('team')
    .description('teams: a grant to a team applies to each member')
    .addHelpText('after', examples('sitewire teams create SRE', 'sitewire teams add-member 01J… 01J…'))
  registerBasics<Team>(teams, {
    path: '/v1/teams',
    schema: Team,
    columns: teamColumns,
    noun: 'team',
    deleteVerb: 'delete',
    deleteDescription: 'delete a team, its memberships and its grants',
  })
  teams
    .command('create')
    .description('create a team')
    .argument('<name>')
    .action(
      action(async (session, [name]) => {
        const body = parseInput(CreateTeamBody, { name }, 'team')
        session.printer.item(
          await (await session.api()).json(Team, 'POST', '/v1/teams', { json: body }),
          (row) => row.id,
        )
      }),
    )
  teams
    .command('rename')
    .description('rename a team')
    .argument('<id>')
    .argument('<name>')
    .action(
      action(async (session, [id, name]) => {
        const body = parseInput(UpdateTeamBody, { name }, 'team')
        session.printer.item(
          await (await session.api()).json(Team, 'PATCH', `/v1/teams/${id}`, { json: body }),
          (row) => row.id,
        )
      }),
    )
  for (const [verb, method, description] of [
    ['add-member', 'PUT', 'add a user to a team'],
    ['remove-member', 'DELETE', 'remove a user from a team'],
  ] as const) {
    teams
      .command(verb)
      .description(description)
      .argument('<team>')
      .argument('<user>')
      .action(
        action(async (session, [team, user]) => {
          const answer = await (await session.api()).json(Team, method, `/v1/teams/${team}/members/${user}`)
          session.printer.item(answer, (row) => row.id)
        }),
      )
  }

  const grants = program
    .command('grants')
    .alias('grant')
    .description('roles (viewer, operator, admin) for users and teams, on the tenant or one site')
    .addHelpText(
      'after',
      examples(
        'sitewire grants create --user 01J… --role operator --site 01J…',
        'sitewire grants revoke 01J…',
      ),
    )
  registerBasics<Grant>(grants, {
    path: '/v1/grants',
    schema: Grant,
    columns: grantColumns,
    noun: 'grant',
    deleteVerb: 'revoke',
    deleteDescription: 'revoke a grant',
  })
  grants
    .command('create')
    .description('grant a role to a user or a team')
    .option('--user <id>')
    .option('--team <id>')
    .addOption(new Option('--role <role>').choices(ROLES).makeOptionMandatory())
    .option('--on-site <id>', 'only on this site (default: the whole tenant)')
    .action(
      action<{ user?: string; team?: string; role: string; onSite?: string }>(
        async (session, _args, options) => {
          if (Boolean(options.user) === Boolean(options.team))
            throw new CliError('give --user or --team', EXIT.usage)
          const body = parseInput(
            CreateGrantBody,
            {
              subject: options.user ? { type: 'user', id: options.user } : { type: 'team', id: options.team },
              role: options.role,
              site_id: options.onSite ?? null,
            },
            'grant',
          )
          session.printer.item(
            await (await session.api()).json(Grant, 'POST', '/v1/grants', { json: body }),
            (row) => row.id,
          )
        },
      ),
    )

  const keys = program
    .command('keys')
    .alias('key')
    .description('API keys: for scripts, CI and agents’ enrolment; the secret is shown once')
    .addHelpText(
      'after',
      examples(
        'sitewire keys create --name ci --role operator',
        'sitewire keys create --name dashboard --role viewer --on-site 01J…',
      ),
    )
  registerBasics<ApiKey>(keys, {
    path: '/v1/api-keys',
    schema: ApiKey,
    columns: keyColumns,
    noun: 'API key',
    deleteVerb: 'revoke',
    deleteDescription: 'revoke an API key at once',
  })
  keys
    .command('create')
    .description('create an API key; its secret is printed this once')
    .requiredOption('--name <name>')
    .addOption(new Option('--role <role>').choices(ROLES).makeOptionMandatory())
    .option('--on-site <id>', 'restrict the key to this site')
    .addOption(
      new Option('--scope <scope>', 'what it may be used for; repeat for more')
        .choices(SCOPES)
        .argParser(collect),
    )
    .option('--expires-at <time>', 'an RFC 3339 time')
    .action(
      action<{ name: string; role: string; onSite?: string; scope?: string[]; expiresAt?: string }>(
        async (session, _args, options) => {
          const body = parseInput(
            CreateApiKeyBody,
            {
              name: options.name,
              role: options.role,
              site_id: options.onSite ?? null,
              ...(options.scope ? { scopes: options.scope } : {}),
              expires_at: options.expiresAt ?? null,
            },
            'API key',
          )
          const key = await (await session.api()).json(CreatedApiKey, 'POST', '/v1/api-keys', { json: body })
          session.printer.item(key, (row) => row.secret ?? row.id)
        },
      ),
    )

  pagedList(
    program
      .command('audit')
      .description('the audit trail: every change of access, sign-in and write, newest first')
      .option('--actor <id>', 'by this user or key')
      .option('--action <action>', 'such as api_key.create')
      .option('--object <id>', 'on this object')
      .option('--since <time>')
      .option('--until <time>')
      .addHelpText('after', examples('sitewire audit --action auth.sign_in --since 2026-12-01T00:00:00Z')),
    AuditEntry,
    '/v1/audit',
    auditColumns,
    (
      options: { actor?: string; action?: string; object?: string; since?: string; until?: string },
      session,
    ) => ({
      actor_id: options.actor,
      action: options.action,
      object_id: options.object,
      site_id: session.options.site,
      since: options.since,
      until: options.until,
    }),
  )
}
