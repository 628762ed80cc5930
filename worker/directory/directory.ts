import { DurableObject } from 'cloudflare:workers'
import { and, count, eq } from 'drizzle-orm'
import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import { monotonicFactory } from 'ulid'
import * as store from '../../schema/db/directory-store'
import type { Env } from '../env'
import { apiError, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import { log, setLogLevel } from '../lib/log'
import { tenantOf } from '../objects'
import migrations from './migrations/migrations.js'
import { type AttemptKeys, SignInThrottle } from './sign-in-throttle'

/** A tenant just created, with its first admin key's secret and admin's password (shown this once). */
export interface NewTenant {
  tenant_id: string
  domain: string
  key_id: string
  api_key: string
  admin_email: string
  admin_password: string
}

/** What claiming an email for a tenant found: free and now claimed, the tenant's already, or another's. */
export type EmailClaim = 'claimed' | 'ours' | 'taken'

const nextId = monotonicFactory()

/**
 * The platform directory: which tenants exist, by domain, and which tenant each sign-in
 * email belongs to. Each tenant's own data lives in its Tenant object; this is read when a
 * tenant is created, when a user is added, and when someone signs in.
 */
export class DirectoryObject extends DurableObject<Env> {
  private db!: DrizzleSqliteDODatabase<typeof store>
  private throttle!: SignInThrottle

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(async () => {
      this.db = drizzle(ctx.storage, { schema: store })
      await migrate(this.db, migrations)
      this.throttle = new SignInThrottle(this.db)
    })
  }

  /** Creates the first tenant and its admin key; refused once any tenant exists. */
  async bootstrap(domain: string): Promise<Answer<NewTenant>> {
    const existing = this.db.select({ n: count() }).from(store.tenants).get()
    if ((existing?.n ?? 0) > 0) {
      const error = apiError(409, 'already_bootstrapped', 'the platform already has its first tenant')
      return refusal(error)
    }
    const tenant = await this.createTenant(domain)
    log('info', 'platform bootstrapped', { tenant_id: tenant.tenant_id, key_id: tenant.key_id })
    return { status: 201, body: tenant }
  }

  /**
   * A new tenant with one admin API key and one admin user, `admin@<domain>`. The domain
   * and the email are unique across the platform.
   */
  async createTenant(domain: string): Promise<NewTenant> {
    const tenantId = nextId()
    const adminEmail = `admin@${domain}`
    this.ctx.storage.transactionSync(() => {
      this.db.insert(store.tenants).values({ id: tenantId, domain, createdAt: new Date() }).run()
      if (this.claimEmail(adminEmail, tenantId) === 'taken')
        throw apiError(409, 'email_taken', `${adminEmail} belongs to another tenant`)
    })
    const { key, adminPassword } = await tenantOf(this.env, tenantId).initialize(tenantId, domain, adminEmail)
    return {
      tenant_id: tenantId,
      domain,
      key_id: key.id,
      api_key: key.secret,
      admin_email: adminEmail,
      admin_password: adminPassword,
    }
  }

  // Sign-in emails

  /** Reserves an email for a tenant's user, so that sign-in finds the tenant from the email alone. */
  claimEmail(email: string, tenantId: string): EmailClaim {
    const owner = this.db.select().from(store.userEmails).where(eq(store.userEmails.email, email)).get()
    if (owner) return owner.tenantId === tenantId ? 'ours' : 'taken'
    this.db.insert(store.userEmails).values({ email, tenantId }).run()
    return 'claimed'
  }

  /** Gives back an email claimed for a user who was not created after all. */
  releaseEmail(email: string, tenantId: string) {
    this.db
      .delete(store.userEmails)
      .where(and(eq(store.userEmails.email, email), eq(store.userEmails.tenantId, tenantId)))
      .run()
  }

  // Sign-in throttling

  /** Where a sign-in goes (null: no tenant has the email), and how long it must wait first. */
  signInGate(attempt: AttemptKeys, now: number): { tenantId: string | null; retryAfterMs: number } {
    const owner = this.db
      .select({ tenantId: store.userEmails.tenantId })
      .from(store.userEmails)
      .where(eq(store.userEmails.email, attempt.account))
      .get()
    return { tenantId: owner?.tenantId ?? null, retryAfterMs: this.throttle.retryAfter(attempt, now) }
  }

  /** Counts a checked password; answers how long to wait when a lock began meanwhile, else 0. */
  signInSettle(attempt: AttemptKeys, succeeded: boolean, now: number): number {
    return this.throttle.settle(attempt, succeeded, now)
  }
}
