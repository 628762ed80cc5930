import type {
  AuditEntry,
  AuditRecord,
  CreateApiKeyBody,
  CreateGrantBody,
  ListAuditQuery,
} from '../../schema/api/access'
import type { CreateTeamBody, UpdateTeamBody } from '../../schema/api/teams'
import type { CreateUserBody, UpdateUserBody } from '../../schema/api/users'
import type { Principal } from '../access/principal'
import type { WriteContext } from '../auth/caller'
import type { PasswordOutcome } from '../auth/password-attempts'
import type { PasswordChange, SignInToFinish } from './sessions'
import { TenantObjectBase } from './tenant-object-base'

/**
 * The Tenant object's calls about its people and what they may do: authentication, sign-in and
 * sessions, users, teams, API keys and grants, and the audit trail of it all.
 */
export abstract class TenantAccessCalls extends TenantObjectBase {
  // Authentication

  /**
   * The principal behind an API key hash and when the key expires (ms, null for never), or
   * null when the key is unknown, revoked or expired.
   */
  authenticateKey(hash: string) {
    return this.parts.access.authenticateKey(hash, Date.now())
  }

  /** The signed-in user behind a session cookie's hash, with their roles as granted now; null when over. */
  authenticateSession(hash: string, now = Date.now()): Principal | null {
    return this.parts.sessions.authenticate(hash, now)
  }

  // Sign-in and sessions

  checkPassword(email: string, password: string): Promise<Exclude<PasswordOutcome, 'locked'>> {
    return this.parts.sessions.checkPassword(email, password)
  }
  finishSignIn(attempt: SignInToFinish, now: number) {
    return this.parts.sessions.finishSignIn(attempt, now)
  }
  signOut(sessionId: string, write: WriteContext) {
    return this.parts.sessions.signOut(sessionId, write)
  }
  resetPassword(userId: string, password: string | undefined, write: WriteContext) {
    return this.parts.sessions.resetPassword(userId, password, write, Date.now())
  }
  changePassword(change: PasswordChange, write: WriteContext, now: number) {
    return this.parts.sessions.changePassword(change, write, now)
  }

  // Users

  createUser(spec: CreateUserBody, write: WriteContext) {
    return this.parts.users.create(spec, write)
  }
  listUsers(limit: number, cursor: string | undefined) {
    return this.parts.users.list(limit, cursor)
  }
  getUser(id: string) {
    return this.parts.users.get(id)
  }
  updateUser(id: string, spec: UpdateUserBody, write: WriteContext) {
    return this.parts.users.update(id, spec, write)
  }

  // Teams

  createTeam(spec: CreateTeamBody, write: WriteContext) {
    return this.parts.teams.create(spec, write)
  }
  listTeams(limit: number, cursor: string | undefined) {
    return this.parts.teams.list(limit, cursor)
  }
  getTeam(id: string) {
    return this.parts.teams.get(id)
  }
  updateTeam(id: string, spec: UpdateTeamBody, write: WriteContext) {
    return this.parts.teams.rename(id, spec, write)
  }
  deleteTeam(id: string, write: WriteContext) {
    return this.parts.teams.delete(id, write)
  }
  addTeamMember(id: string, userId: string, write: WriteContext) {
    return this.parts.teams.addMember(id, userId, write)
  }
  removeTeamMember(id: string, userId: string, write: WriteContext) {
    return this.parts.teams.removeMember(id, userId, write)
  }

  // API keys and grants

  createApiKey(spec: CreateApiKeyBody, write: WriteContext) {
    return this.parts.access.createApiKey(spec, write)
  }
  listApiKeys(limit: number, cursor: string | undefined, includeRevoked: boolean) {
    return this.parts.access.listApiKeys(limit, cursor, includeRevoked)
  }
  getApiKey(id: string) {
    return this.parts.access.getApiKey(id)
  }
  revokeApiKey(id: string, write: WriteContext) {
    return this.parts.access.revokeApiKey(id, write)
  }
  createGrant(spec: CreateGrantBody, write: WriteContext) {
    return this.parts.access.createGrant(spec, write)
  }
  listGrants(limit: number, cursor: string | undefined, filter: { subjectId?: string; siteId?: string }) {
    return this.parts.access.listGrants(limit, cursor, filter)
  }
  revokeGrant(id: string, write: WriteContext) {
    return this.parts.access.revokeGrant(id, write)
  }

  // Audit

  recordAudit(entry: AuditRecord) {
    this.parts.auditTrail.record(entry)
  }

  /** Entries a site committed with its writes, forwarded in a batch; a repeat is stored once. */
  importAudit(entries: AuditEntry[]) {
    this.ctx.storage.transactionSync(() => this.parts.auditTrail.import(entries))
  }
  listAudit(query: ListAuditQuery) {
    return { status: 200, body: this.parts.auditTrail.list(query) }
  }
}
