import { generatePassword, hashPassword } from '../auth/passwords'
import type { ApiKeyStore, IssuedApiKey } from './api-key-store'
import type { AuditTrail } from './audit-trail'
import type { Users } from './users'

const TENANT_ID_KEY = 'tenant_id'

/** The tenant an object is bound to; throws before it is. */
export const tenantIdOf = (storage: DurableObjectStorage): string => {
  const id = storage.kv.get<string>(TENANT_ID_KEY)
  if (!id) throw new Error('tenant object used before it was initialised')
  return id
}

/** A tenant's binding to its id, its first admin credentials, and the recovery of an admin key. */
export class TenantBootstrap {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly keys: ApiKeyStore,
    private readonly users: Users,
    private readonly auditTrail: AuditTrail,
  ) {}

  get tenantId(): string {
    return tenantIdOf(this.storage)
  }

  /** Whether this object is bound to a tenant yet. */
  get initialised(): boolean {
    return this.storage.kv.get(TENANT_ID_KEY) !== undefined
  }

  /**
   * Binds this object to its tenant and creates the first admin API key and the first
   * admin user (whose email the directory has claimed); returns the key's secret and the
   * user's generated password, this once.
   */
  async initialize(
    tenantId: string,
    domain: string,
    adminEmail: string,
  ): Promise<{ key: IssuedApiKey; adminPassword: string }> {
    if (this.storage.kv.get(TENANT_ID_KEY)) throw new Error(`tenant ${tenantId} is initialised already`)
    this.storage.kv.put(TENANT_ID_KEY, tenantId)
    const secret = await this.keys.newSecret()
    const adminPassword = generatePassword()
    const passwordHash = await hashPassword(adminPassword)
    const key = this.storage.transactionSync(() => {
      const created = this.keys.issue(
        secret,
        { name: 'admin', role: 'admin', site_id: null, scopes: ['api'], expires_at: null },
        null,
      )
      const admin = this.users.add(
        { email: adminEmail, name: 'Admin', passwordHash, role: 'admin' },
        new Date(),
      )
      this.auditTrail.record({
        actor: { type: 'anonymous', id: null },
        action: 'tenant.create',
        object: { type: 'tenant', id: tenantId },
        site_id: null,
        address: null,
        status: 201,
        details: { domain, admin_key_id: created.id, admin_user_id: admin.id, admin_email: adminEmail },
      })
      return created
    })
    return { key, adminPassword }
  }

  /**
   * A new admin API key for an operator who lost every admin credential; only the bootstrap
   * route calls it, behind the deployment's BOOTSTRAP_TOKEN. Null when no such tenant exists.
   */
  async recoverAdminKey(tenantId: string, address: string | null): Promise<IssuedApiKey | null> {
    if (this.storage.kv.get(TENANT_ID_KEY) !== tenantId) return null
    const secret = await this.keys.newSecret()
    return this.storage.transactionSync(() => {
      const key = this.keys.issue(
        secret,
        { name: 'recovered admin', role: 'admin', site_id: null, scopes: ['api'], expires_at: null },
        null,
      )
      this.auditTrail.record({
        actor: { type: 'anonymous', id: null },
        action: 'api_key.recover',
        object: { type: 'api_key', id: key.id },
        site_id: null,
        address,
        status: 201,
        details: { via: 'bootstrap_token' },
      })
      return key
    })
  }
}
