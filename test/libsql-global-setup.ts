import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startLibsqlServer } from '../local/libsql-server/server'
import { migrateProjections } from '../local/projection-migrations'

declare module 'vitest' {
  export interface ProvidedContext {
    libsqlUrl: string
    libsqlToken: string
  }
}

/** Starts a real local libSQL server with migrated projections for the workerd tests. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'sitewire-test-libsql-'))
  const authToken = 'test-libsql-token'
  const server = await startLibsqlServer({ dbPath: join(dir, 'projections.db'), authToken })
  await migrateProjections(server.url, authToken)
  project.provide('libsqlUrl', server.url)
  project.provide('libsqlToken', authToken)
  return async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
}
