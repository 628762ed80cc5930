import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { asc, eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { describe, expect, it } from 'vitest'
import { startTestServer } from './test-support'

const sites = sqliteTable('sites', {
  id: integer('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
})

const runs = sqliteTable('runs', {
  id: integer('id').primaryKey(),
  siteId: integer('site_id')
    .notNull()
    .references(() => sites.id),
  status: text('status', { enum: ['running', 'ok', 'failed'] }).notNull(),
})

/** A migrations folder in drizzle-kit's format: numbered SQL with breakpoints and a journal. */
async function writeMigrations(dir: string): Promise<string> {
  const folder = join(dir, 'migrations')
  await mkdir(join(folder, 'meta'), { recursive: true })
  const migrations = [
    {
      tag: '0000_sites',
      sql: [
        'CREATE TABLE `sites` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` text NOT NULL,\n\t`created_at` integer NOT NULL\n);\n',
        '\nCREATE UNIQUE INDEX `sites_name_unique` ON `sites` (`name`);',
      ],
    },
    {
      tag: '0001_runs',
      sql: [
        'CREATE TABLE `runs` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`site_id` integer NOT NULL,\n\t`status` text NOT NULL,\n\tFOREIGN KEY (`site_id`) REFERENCES `sites`(`id`)\n);\n',
        '\nCREATE INDEX `runs_site_idx` ON `runs` (`site_id`);',
      ],
    },
  ]
  const entries = migrations.map((m, idx) => ({
    idx,
    version: '6',
    when: 1_700_000_000_000 + idx,
    tag: m.tag,
    breakpoints: true,
  }))
  await writeFile(
    join(folder, 'meta', '_journal.json'),
    JSON.stringify({ version: '7', dialect: 'sqlite', entries }),
  )
  for (const m of migrations)
    await writeFile(join(folder, `${m.tag}.sql`), m.sql.join('--> statement-breakpoint'))
  return folder
}

describe('drizzle-orm/libsql against the server', () => {
  it('migrates, inserts, selects, updates, batches and runs transactions', async () => {
    const t = await startTestServer()
    const db = drizzle(t.client())
    const migrationsFolder = await writeMigrations(t.dir)
    await migrate(db, { migrationsFolder })
    await migrate(db, { migrationsFolder }) // applied once only
    const applied = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM __drizzle_migrations`)
    expect(applied).toEqual([{ n: 2 }])

    const createdAt = new Date('2026-01-02T03:04:05.678Z')
    const [site] = await db.insert(sites).values({ name: 'north', createdAt }).returning()
    expect(site).toEqual({ id: 1, name: 'north', createdAt })
    await db.update(sites).set({ name: 'north-1' }).where(eq(sites.id, 1))
    expect(await db.select().from(sites)).toEqual([{ id: 1, name: 'north-1', createdAt }])

    const [, , selected] = await db.batch([
      db.insert(sites).values({ name: 'south', createdAt }),
      db.insert(runs).values([
        { siteId: 1, status: 'running' },
        { siteId: 2, status: 'ok' },
      ]),
      db
        .select({ name: sites.name, status: runs.status })
        .from(runs)
        .innerJoin(sites, eq(runs.siteId, sites.id)),
    ])
    expect(selected).toEqual([
      { name: 'north-1', status: 'running' },
      { name: 'south', status: 'ok' },
    ])

    // a failing batch leaves nothing behind
    await expect(
      db.batch([
        db.insert(sites).values({ name: 'east', createdAt }),
        db.insert(sites).values({ name: 'south', createdAt }),
      ]),
    ).rejects.toThrow()
    expect(await db.select({ name: sites.name }).from(sites).orderBy(asc(sites.id))).toEqual([
      { name: 'north-1' },
      { name: 'south' },
    ])

    await db.transaction(async (tx) => {
      await tx.update(runs).set({ status: 'ok' }).where(eq(runs.siteId, 1))
      await tx.insert(runs).values({ siteId: 2, status: 'failed' })
    })
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(runs).values({ siteId: 1, status: 'failed' })
        tx.rollback()
      }),
    ).rejects.toThrow('Rollback')
    // foreign keys are on: an unknown site is rejected
    await expect(db.insert(runs).values({ siteId: 99, status: 'ok' })).rejects.toThrow()
    expect(
      await db.select({ siteId: runs.siteId, status: runs.status }).from(runs).orderBy(asc(runs.id)),
    ).toEqual([
      { siteId: 1, status: 'ok' },
      { siteId: 2, status: 'ok' },
      { siteId: 2, status: 'failed' },
    ])
  })
})
