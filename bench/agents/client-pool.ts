import { join } from 'node:path'
import { ForkPool } from '../lib/fork-pool'
import type { Request } from './messages'

/** A request without its id: the pool numbers them. */
export type Command = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

/** The client processes, each holding a share of the clients; see `client-worker.ts`. */
export type ClientPool = ForkPool<Command>

export const startClientPool = (count: number): Promise<ClientPool> =>
  ForkPool.start<Command>(
    join(import.meta.dirname, 'client-worker.ts'),
    count,
    // --expose-gc lets a worker collect before each round.
    [...process.execArgv, '--expose-gc'],
  )

/** Splits `total` clients over `workers` as evenly as possible. */
export const shares = (total: number, workers: number): number[] =>
  Array.from({ length: workers }, (_, i) => Math.floor(total / workers) + (i < total % workers ? 1 : 0))
