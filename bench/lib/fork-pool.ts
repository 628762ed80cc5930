import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { withTimeout } from '../agents/limited'

/** A command for a worker: a `cmd` and its fields. Each gets exactly one answer. */
export interface PoolCommand {
  cmd: string
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string }

/** How much longer than a command's own timeout the main process waits for its answer. */
const GRACE_MS = 15_000

/**
 * Client processes forked from this one (so `tsx` loads them too), each running `script`, which
 * calls `serveCommands`: a bench's simulated clients get cores of their own rather than the
 * main process's event loop.
 */
export class ForkPool<C extends PoolCommand> {
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
          waiting.reject(new Error(`a client worker exited (${code ?? signal}) mid-command`))
        }
      })
    }
  }

  /** `execArgv`: Node's own flags for the workers; this process's (tsx's loader) by default. */
  static async start<C extends PoolCommand>(
    script: string,
    count: number,
    execArgv: string[] = process.execArgv,
  ): Promise<ForkPool<C>> {
    const children = Array.from({ length: count }, (_, index) =>
      fork(script, [], {
        execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, BENCH_CLIENT_LABEL: `c${index}` },
      }),
    )
    const pool = new ForkPool<C>(children)
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
  all<T>(command: (worker: number) => C, timeoutMs: number): Promise<T[]> {
    return Promise.all(this.#children.map((child, worker) => this.#ask<T>(child, command(worker), timeoutMs)))
  }

  #ask<T>(child: ChildProcess, command: C | PoolCommand, timeoutMs: number): Promise<T> {
    const id = this.#nextId
    this.#nextId += 1
    const answer = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      child.send({ ...command, id })
    })
    return withTimeout(
      answer,
      timeoutMs + GRACE_MS,
      `client worker gave no answer to ${command.cmd}`,
    ).finally(() => this.#pending.delete(id))
  }

  /** Asks every worker to `close` what it holds, then ends the workers (killed if they linger). */
  async stop(): Promise<void> {
    const alive = this.#children.filter((child) => child.exitCode === null && child.signalCode === null)
    await Promise.allSettled(alive.map((child) => this.#ask(child, { cmd: 'close' }, 0)))
    await Promise.allSettled(
      alive.map(async (child) => {
        const exited = once(child, 'exit')
        if (child.connected) child.disconnect()
        await withTimeout(exited, 5_000, 'worker lingered').catch(() => {
          child.kill('SIGKILL')
          return exited
        })
      }),
    )
  }
}

/**
 * The worker's side: answers each command with `handle`'s result (or its error), exits when
 * the main process goes away, and says it is ready.
 */
export const serveCommands = <C extends PoolCommand>(handle: (command: C) => Promise<unknown>) => {
  process.on('message', (request: C & { id: number }) => {
    handle(request).then(
      (result) => process.send?.({ id: request.id, ok: true, result } satisfies Reply),
      (error: unknown) =>
        process.send?.({
          id: request.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        } satisfies Reply),
    )
  })
  // The main process went away (a crash, Ctrl-C): nothing should outlive it.
  process.on('disconnect', () => process.exit(0))
  process.send?.({ id: 0, ok: true, result: 'ready' } satisfies Reply)
}
