import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { withTimeout } from './limited'
import type { Reply, Request } from './messages'

export type Command = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

/** How much longer than a request's own timeout the main process waits for its answer. */
const GRACE_MS = 15_000

/**
 * The client processes, forked from this one (so `tsx` loads them too), each holding a
 * share of the clients. Requests go to every worker at once; each answer arrives by id.
 */
export class ClientPool {
  readonly #children: ChildProcess[]
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>()
  #nextId = 1

  private constructor(children: ChildProcess[]) {
    this.#children = children
    for (const child of children) {
      child.on('message', (reply: Reply) => {
        const waiting = this.#pending.get(reply.id)
        if (!waiting) return
        this.#pending.delete(reply.id)
        if (reply.ok) waiting.resolve(reply.result)
        else waiting.reject(new Error(reply.error))
      })
      child.once('exit', (code, signal) => {
        // A worker that dies fails whatever waits on it at once, rather than at its timeout.
        for (const [id, waiting] of this.#pending) {
          this.#pending.delete(id)
          waiting.reject(new Error(`a client worker exited (${code ?? signal}) mid-request`))
        }
      })
    }
  }

  static async start(count: number): Promise<ClientPool> {
    const script = join(import.meta.dirname, 'client-worker.ts')
    const children = Array.from({ length: count }, (_, index) =>
      fork(script, [], {
        // tsx's loader flags come along from this process; --expose-gc lets a worker collect before each round.
        execArgv: [...process.execArgv, '--expose-gc'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, BENCH_CLIENT_LABEL: `c${index}` },
      }),
    )
    const pool = new ClientPool(children)
    try {
      await withTimeout(
        Promise.all(children.map((child) => once(child, 'message'))),
        30_000,
        'client workers did not start within 30 s',
      )
    } catch (error) {
      await pool.stop()
      throw error
    }
    return pool
  }

  get size() {
    return this.#children.length
  }

  get pids(): number[] {
    return this.#children.flatMap((child) => (child.pid ? [child.pid] : []))
  }

  /** Sends one command to every worker, each with its own fields, and waits for every answer. */
  all<T>(command: (worker: number) => Command, timeoutMs: number): Promise<T[]> {
    return Promise.all(this.#children.map((child, worker) => this.#ask<T>(child, command(worker), timeoutMs)))
  }

  #ask<T>(child: ChildProcess, command: Command, timeoutMs: number): Promise<T> {
    const id = this.#nextId
    this.#nextId += 1
    const answer = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      child.send({ ...command, id } as Request)
    })
    return withTimeout(
      answer,
      timeoutMs + GRACE_MS,
      `client worker gave no answer to ${command.cmd}`,
    ).finally(() => this.#pending.delete(id))
  }

  /** Closes every client connection, then ends the workers (killed if they linger). */
  async stop(): Promise<void> {
    const alive = this.#children.filter((child) => child.exitCode === null && child.signalCode === null)
    await Promise.allSettled(alive.map((child) => this.#ask(child, { cmd: 'close' }, 0)))
    await Promise.allSettled(
      alive.map(async (child) => {
        const exited = once(child, 'exit')
        child.disconnect()
        await withTimeout(exited, 5_000, 'worker lingered').catch(() => {
          child.kill('SIGKILL')
          return exited
        })
      }),
    )
  }
}

/** Splits `total` clients over `workers` as evenly as possible. */
export const shares = (total: number, workers: number): number[] =>
  Array.from({ length: workers }, (_, i) => Math.floor(total / workers) + (i < total % workers ? 1 : 0))
