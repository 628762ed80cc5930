import { eq } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import type { CreateSiteBody, Site } from '../../schema/api/sites'
import * as store from '../../schema/db/tenant-store'
import type { WriteContext } from '../auth/caller'
import type { Env } from '../env'
import { ApiError, refusal } from '../http/errors'
import type { Answer, IdempotencyStore, Reply } from '../lib/idempotency'
import { errorMessage, log } from '../lib/log'
import { siteOf } from '../objects'

const nextId = monotonicFactory()
/** Site objects rebuilt at once during a projection rebuild. */
const REBUILD_CONCURRENCY = 8

/** The tenant's registry of its sites: which site ids are its own. */
export class SiteRegistry {
  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly env: Env,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /**
   * Registers a new site and creates it in its own object. The registry row is written
   * before the site object is called, so a retry with the same Idempotency-Key finds the
   * same site id even if the first attempt died half-way.
   */
  async create(input: CreateSiteBody, write: WriteContext): Promise<Answer<Site>> {
    try {
      const now = Date.now()
      const replay = this.idempotency.find(write.idempotency, now)
      if (replay) return replay as Reply<Site>
      const claimKey = write.idempotency?.key ?? null
      const claimed = claimKey
        ? this.db.select().from(store.siteRegistry).where(eq(store.siteRegistry.createdByKey, claimKey)).get()
        : undefined
      const siteId = claimed?.id ?? nextId()
      if (!claimed) {
        this.db
          .insert(store.siteRegistry)
          .values({ id: siteId, createdAt: new Date(now), createdByKey: claimKey })
          .run()
      }
      const reply = await siteOf(this.env, siteId).createSite(siteId, input, { caller: write.caller })
      if (!reply.refused) this.idempotency.save(write.idempotency, reply, now)
      return reply
    } catch (error) {
      if (error instanceof ApiError) return refusal(error)
      throw error
    }
  }

  has(siteId: string): boolean {
    return (
      this.db
        .select({ id: store.siteRegistry.id })
        .from(store.siteRegistry)
        .where(eq(store.siteRegistry.id, siteId))
        .get() !== undefined
    )
  }

  /** Has every site of the tenant drop and replay its projected rows. */
  async rebuildProjections(): Promise<{ sites: number; failed: string[] }> {
    const ids = this.db
      .select({ id: store.siteRegistry.id })
      .from(store.siteRegistry)
      .all()
      .map((row) => row.id)
    const failed: string[] = []
    const queue = [...ids]
    const worker = async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          await siteOf(this.env, id).rebuildProjection()
        } catch (error) {
          failed.push(id)
          log('error', 'projection rebuild failed', { site_id: id, error: errorMessage(error) })
        }
      }
    }
    await Promise.all(Array.from({ length: REBUILD_CONCURRENCY }, worker))
    return { sites: ids.length, failed }
  }
}
