import type { Context, MiddlewareHandler } from 'hono'
import { callerTenant } from './caller-objects'
import type { AppEnv } from './context'

/**
 * Records a write in the tenant's audit trail once it has been answered, refused or not:
 * who, what, which object, from where, and the status. Changes of access are audited by
 * the Tenant object itself, in their own transaction, and don't use this; nor does a write
 * whose object stored the entry with the write itself (`auditedByObject`).
 */
export const audited = (action: string, objectType: string): MiddlewareHandler<AppEnv> =>
  async function audited(c, next) {
    await next()
    if (c.var.auditedByObject) return
    const siteId = c.req.param('siteId') ?? c.var.siteId ?? null
    const created = c.res.status === 201 && objectType === 'site' && !siteId ? await createdId(c.res) : null
    await callerTenant(c).recordAudit({
      actor: c.var.caller.actor,
      action,
      object: { type: objectType, id: siteId ?? created },
      site_id: siteId ?? created,
      address: c.var.caller.address,
      status: c.res.status,
      details: c.res.status >= 400 ? { code: await errorCode(c.res) } : null,
    })
  }

const createdId = async (response: Response) =>
  ((await response.clone().json()) as { id?: string }).id ?? null

const errorCode = async (response: Response) => {
  try {
    return ((await response.clone().json()) as { error?: { code?: string } }).error?.code ?? null
  } catch {
    return null
  }
}

/** Tells `audited` that the object which answered stored the write's audit entry in the write's own transaction. */
export const auditedByObject = (c: Context<AppEnv>) => c.set('auditedByObject', true)
