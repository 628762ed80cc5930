import { monotonicFactory } from 'ulid'
import type { Role } from '../../schema/api/access'
import type { CreatedUser, CreateUserBody, UpdateUserBody, User } from '../../schema/api/users'
import type { WriteContext } from '../auth/caller'
import { generatePassword, hashPassword } from '../auth/passwords'
import type { Env } from '../env'
import { apiError, notFound, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import { byId, toPage } from '../lib/paging'
import { directoryOf } from '../objects'
import type { Commands } from './command'
import type { GrantStore } from './grant-store'
import type { SessionStore } from './session-store'
import { toUser, type UserRow, type UserStore } from './user-store'

const nextId = monotonicFactory()

/** A user to add, with their password already hashed. */
export interface NewUser {
  email: string
  name: string
  passwordHash: string
  role: Role | null
}

/** A tenant's users: creation (email claimed across the platform), reading, renaming, disabling. */
export class Users {
  constructor(
    private readonly env: Env,
    private readonly tenantId: () => string,
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
    private readonly grants: GrantStore,
    private readonly commands: Commands,
  ) {}

  /**
   * Creates a user. The email is claimed in the directory first, so two tenants can't
   * both have it; a claim made for a creation that then failed is given back.
   */
  async create(spec: CreateUserBody, write: WriteContext): Promise<Answer<CreatedUser>> {
    const password = spec.password ?? generatePassword()
    const passwordHash = await hashPassword(password)
    const directory = directoryOf(this.env)
    const claim = await directory.claimEmail(spec.email, this.tenantId())
    const reply = this.commands.run(write, 'user.create', 'user', () => {
      if (claim === 'taken' || this.users.byEmail(spec.email))
        throw apiError(409, 'email_taken', `a user with the email ${spec.email} exists already`)
      const row = this.add({ email: spec.email, name: spec.name, passwordHash, role: spec.role }, new Date())
      return {
        status: 201,
        body: { ...toUser(row), generated_password: spec.password === undefined ? password : null },
        replay: { ...toUser(row), generated_password: null },
        objectId: row.id,
        details: { email: spec.email, name: spec.name, role: spec.role },
      }
    })
    if (claim === 'claimed' && reply.status !== 201) await directory.releaseEmail(spec.email, this.tenantId())
    return reply
  }

  /** Stores a user, and their role on the tenant if any; call it inside the change's transaction. */
  add(user: NewUser, now: Date): UserRow {
    const row: UserRow = {
      id: nextId(now.getTime()),
      email: user.email,
      name: user.name,
      passwordHash: user.passwordHash,
      createdAt: now,
      passwordChangedAt: now,
      disabledAt: null,
      passwordResetAt: null,
    }
    this.users.insert(row)
    if (user.role)
      this.grants.grant({ subject: { type: 'user', id: row.id }, role: user.role, site_id: null }, now)
    return row
  }

  list(limit: number, cursor: string | undefined): Answer<{ items: User[]; next_cursor: string | null }> {
    return {
      status: 200,
      body: toPage(this.users.list(limit + 1, cursor), limit, (rows) => rows.map(toUser), byId),
    }
  }

  get(id: string): Answer<User> {
    const row = this.users.get(id)
    return row ? { status: 200, body: toUser(row) } : refusal(notFound('user'))
  }

  /** Renames, disables or enables a user; disabling ends their sessions in the same transaction. */
  update(id: string, spec: UpdateUserBody, write: WriteContext): Answer<User> {
    return this.commands.run(write, 'user.update', 'user', () => {
      const existing = this.users.get(id)
      if (!existing) throw notFound('user')
      const { actor } = write.caller
      if (spec.disabled && actor.type === 'user' && actor.id === id)
        throw apiError(422, 'cannot_disable_self', 'you cannot disable your own account; ask another admin')
      const now = new Date()
      const disabledAt =
        spec.disabled === undefined
          ? existing.disabledAt
          : spec.disabled
            ? (existing.disabledAt ?? now)
            : null
      const row = this.users.update(id, { name: spec.name ?? existing.name, disabledAt }) ?? existing
      const sessionsRevoked = spec.disabled ? this.sessions.revokeAllOf(id, now.getTime()) : 0
      return {
        status: 200,
        body: toUser(row),
        objectId: id,
        details: { ...spec, ...(spec.disabled ? { sessions_revoked: sessionsRevoked } : {}) },
      }
    })
  }
}
