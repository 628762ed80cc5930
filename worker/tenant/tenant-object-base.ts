import { DurableObject } from 'cloudflare:workers'
import { drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import * as store from '../../schema/db/tenant-store'
import type { Env } from '../env'
import { AlarmScheduler } from '../lib/alarm-scheduler'
import { errorMessage, log, setLogLevel } from '../lib/log'
import migrations from './migrations/migrations.js'
import { type TenantParts, tenantParts } from './tenant-parts'

/**
 * The Tenant object's wiring: its storage migrated, its parts built (see tenant-parts.ts), its
 * bootstrap, and its one alarm, which runs each part's due work. The RPC calls the Worker makes
 * are answered by the classes built on it (tenant-access-calls.ts, tenant.ts).
 */
export abstract class TenantObjectBase extends DurableObject<Env> {
  protected parts!: TenantParts
  private alarms!: AlarmScheduler

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(async () => {
      const db = drizzle(ctx.storage, { schema: store })
      await migrate(db, migrations)
      this.alarms = new AlarmScheduler(ctx.storage, await ctx.storage.getAlarm())
      this.parts = tenantParts(ctx.storage, env, db, () => this.alarms.schedule(this.parts.scheduled))
      if (this.parts.bootstrap.initialised) this.alarms.schedule(this.parts.scheduled)
    })
  }

  protected get tenantId(): string {
    return this.parts.bootstrap.tenantId
  }

  initialize(tenantId: string, domain: string, adminEmail: string) {
    return this.parts.bootstrap.initialize(tenantId, domain, adminEmail)
  }

  recoverAdminKey(tenantId: string, address: string | null) {
    return this.parts.bootstrap.recoverAdminKey(tenantId, address)
  }

  /**
   * Each part whose work is due runs it on its own: one that throws is logged with the tenant
   * and the part's name, and the others still run.
   */
  override async alarm() {
    this.alarms.fired()
    const now = Date.now()
    await this.alarms.work(
      this.parts.scheduled.filter((part) => this.alarms.isDue(part, now)),
      (part) => part.work?.(),
      (part, error) =>
        log('error', 'tenant alarm work failed', {
          tenant_id: this.tenantId,
          part: part.name,
          error: errorMessage(error),
        }),
    )
    this.alarms.schedule(this.parts.scheduled)
  }
}
