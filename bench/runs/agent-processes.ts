import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { bundleNodeCli } from '../../local/bundle-node-cli'
import { withTimeout } from '../agents/limited'

const root = resolve(import.meta.dirname, '../..')

/**
 * Bundles the agent with the bundler `npm run build:agent` uses (one ESM file for Node 20,
 * ws's optional native modules left out), into a temp dir: the bench runs the agent as it
 * ships, from this checkout's source, without touching the dist/ others may be using.
 */
export const bundleAgent = async (dir: string): Promise<string> => {
  const outfile = join(dir, 'sitewire-agent.mjs')
  await bundleNodeCli({ entry: join(root, 'agent', 'cli.ts'), outfile })
  return outfile
}

/** One real `sitewire-agent run` process with its own state dir. */
export interface AgentProcess {
  agentId: string
  stateDir: string
  child: ChildProcess
  /** Its last log lines, to explain a failure. */
  tail: string[]
}

const keepTail = (child: ChildProcess, tail: string[]) => {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      tail.push(...chunk.toString().split('\n').filter(Boolean))
      if (tail.length > 40) tail.splice(0, tail.length - 40)
    })
  }
}

/**
 * Real agents on this machine: each enrols with `sitewire-agent enrol TOKEN --state-dir D`,
 * then runs `sitewire-agent run --state-dir D`, as the README and test/e2e/runs.test.ts do.
 * They log warnings only, so the bench measures steps, not log lines.
 */
export class AgentProcesses {
  readonly agents: AgentProcess[] = []
  readonly #dirs: string[] = []

  constructor(private readonly bundle: string) {}

  #spawn(args: string[]) {
    return spawn(process.execPath, [this.bundle, ...args], {
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SITEWIRE_AGENT_LOG_LEVEL: 'warn' },
    })
  }

  /** `runArgs` go after `run --state-dir D`, such as `--resources-interval 1`. */
  async enrolAndStart(token: string, count: number, timeoutMs: number, runArgs: readonly string[] = []) {
    for (let i = 0; i < count; i++) {
      const stateDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-agent-'))
      this.#dirs.push(stateDir)
      const enrol = this.#spawn(['enrol', token, '--state-dir', stateDir, '--label', `bench=${i}`])
      const tail: string[] = []
      keepTail(enrol, tail)
      const [code] = await withTimeout(
        once(enrol, 'exit'),
        timeoutMs,
        'sitewire-agent enrol did not finish',
      ).catch((error: unknown) => {
        enrol.kill('SIGKILL')
        throw error
      })
      if (code !== 0) throw new Error(`sitewire-agent enrol exited with ${code}:\n${tail.join('\n')}`)
      const { agent_id: agentId } = JSON.parse(readFileSync(join(stateDir, 'identity.json'), 'utf8')) as {
        agent_id: string
      }
      const child = this.#spawn(['run', '--state-dir', stateDir, ...runArgs])
      const runTail: string[] = []
      keepTail(child, runTail)
      this.agents.push({ agentId, stateDir, child, tail: runTail })
    }
  }

  get pids(): number[] {
    return this.agents.flatMap((agent) => (agent.child.pid ? [agent.child.pid] : []))
  }

  /** SIGTERM (which also stops their steps), SIGKILL after 5 s; then their state dirs go. */
  async stop() {
    await Promise.allSettled(
      this.agents.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await withTimeout(exited, 5_000, 'agent lingered').catch(() => {
          child.kill('SIGKILL')
          return exited
        })
      }),
    )
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true })
  }
}
