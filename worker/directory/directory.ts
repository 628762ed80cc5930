import { DurableObject } from 'cloudflare:workers'
import { count } from 'drizzle-orm'
import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import { monotonicFactory } from 'ulid'
import * as store from '../../schema/db/directory-store'
import type { Env } from '../env'
import { apiError } from '../http/errors'
import type { Reply } from '../lib/idempotency'
import { log, setLogLevel } from '../lib/log'
import { tenantOf } from '../objects'
import migrations from './migrations/migrations.js'

/** A tenant just created, with its first admin key's secret (shown this once). */
export interface NewTenant {
  tenant_id: string
  domain: string
  key_id: string
  api_key: string
}

const nextId = monotonicFactory()

/**
 * The platform directory: which tenants exist, by domain. Each tenant's own data lives in
 * its Tenant object; this is only read when a tenant is created or looked up by name.
 */
export class DirectoryObject extends DurableObject<Env> {
  private db!: DrizzleSqliteDODatabase<typeof store>

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(async () => {
      this.db = drizzle(ctx.storage, { schema: store })
      await migrate(this.db, migrations)
    })
  }

  /** Creates the first tenant and its admin key; refused once any tenant exists. */
  async bootstrap(domain: string): Promise<Reply<NewTenant>> {
    const existing = this.db.select({ n: count() }).from(store.tenants).get()
    if ((existing?.n ?? 0) > 0) {
      const error = apiError(409, 'already_bootstrapped', 'the platform already has its first tenant')
      return { status: error.status, body: error.toBody() as never }
    }
    const tenant = await this.createTenant(domain)
    log('info', 'platform bootstrapped', { tenant_id: tenant.tenant_id, key_id: tenant.key_id })
    return { status: 201, body: tenant }
  }

  /** A new tenant with one admin API key. The domain is unique across the platform. */
  async createTenant(domain: string): Promise<NewTenant> {
    const tenantId = nextId()
    this.db.insert(store.tenants).values({ id: tenantId, domain, createdAt: new Date() }).run()
    const key = await tenantOf(this.env, tenantId).initialize(tenantId, domain)
    return { tenant_id: tenantId, domain, key_id: key.id, api_key: key.secret }
  }
}
