import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { Role, Scope } from './access'

/** Emails are stored trimmed and lower-cased: one address names one person across the platform. */
export const Email = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.maxLength(254, 'emails are at most 254 characters'),
  v.rfcEmail('must be an email address'),
)

const PASSWORD_MIN_LENGTH = 12
const PASSWORD_MAX_LENGTH = 256

/** A password being set: long enough to resist guessing, bounded so hashing stays cheap. */
export const NewPassword = v.pipe(
  v.string(),
  v.minLength(PASSWORD_MIN_LENGTH, `passwords are at least ${PASSWORD_MIN_LENGTH} characters`),
  v.maxLength(PASSWORD_MAX_LENGTH, `passwords are at most ${PASSWORD_MAX_LENGTH} characters`),
)

/** A password being checked: only bounded, so one set under older rules still signs in. */
const GivenPassword = v.pipe(
  v.string(),
  v.minLength(1, 'password is required'),
  v.maxLength(PASSWORD_MAX_LENGTH, `passwords are at most ${PASSWORD_MAX_LENGTH} characters`),
)

const PersonName = v.pipe(v.string(), v.trim(), v.minLength(1, 'name is required'), v.maxLength(100))

export const CreateUserBody = v.strictObject({
  email: Email,
  name: PersonName,
  /** Left out, a password is generated and shown once in the answer. */
  password: v.optional(NewPassword),
  /** A role on the whole tenant, granted to the user as they are created. */
  role: v.optional(v.nullable(Role), null),
})
export type CreateUserBody = v.InferOutput<typeof CreateUserBody>

export const UpdateUserBody = v.pipe(
  v.strictObject({
    name: v.optional(PersonName),
    /** Disabling ends the user's sessions at once; enabling lets them sign in again. */
    disabled: v.optional(v.boolean()),
  }),
  v.check((body) => body.name !== undefined || body.disabled !== undefined, 'change name or disabled'),
)
export type UpdateUserBody = v.InferOutput<typeof UpdateUserBody>

/** A user as the API shows them: never a password or its hash. */
export const User = v.object({
  id: Ulid,
  email: v.string(),
  name: v.string(),
  status: v.picklist(['active', 'disabled']),
  created_at: Timestamp,
  password_changed_at: Timestamp,
  disabled_at: v.nullable(Timestamp),
})
export type User = v.InferOutput<typeof User>
export const UserPage = pageOf(User)

/** Answer to a user's creation: a generated password is shown this once, else null. */
export const CreatedUser = v.object({ ...User.entries, generated_password: v.nullable(v.string()) })
export type CreatedUser = v.InferOutput<typeof CreatedUser>

export const ListUsersQuery = v.object({ ...PageQuery.entries, cursor: v.optional(Ulid) })

export const SignInBody = v.strictObject({
  email: Email,
  password: GivenPassword,
  /** Required, and set, when an admin reset the password: the reset one opens no session. */
  new_password: v.optional(NewPassword),
})

/** `POST /v1/users/{id}/password-reset`: without a password, one is generated and shown once. */
export const ResetPasswordBody = v.optional(v.strictObject({ password: v.optional(NewPassword) }), {})
export type ResetPasswordBody = v.InferOutput<typeof ResetPasswordBody>

/** Answer to a sign-in; the session itself travels in the `sitewire_session` cookie. */
export const SignedIn = v.object({ user: User, expires_at: Timestamp })
export type SignedIn = v.InferOutput<typeof SignedIn>

export const ChangePasswordBody = v.strictObject({
  current_password: GivenPassword,
  new_password: NewPassword,
})

/** Who is calling: a signed-in user or an API key, with what it may do. */
export const Me = v.object({
  tenant_id: Ulid,
  actor: v.object({ type: v.picklist(['user', 'key']), id: Ulid }),
  /** The signed-in user; null for an API key. */
  user: v.nullable(User),
  /** The role on the whole tenant, if any. */
  role: v.nullable(Role),
  site_roles: v.record(Ulid, Role),
  scopes: v.array(Scope),
  /** The one site an API key is restricted to, if it is. */
  site_id: v.nullable(Ulid),
})
export type Me = v.InferOutput<typeof Me>
