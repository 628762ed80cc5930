import { gunzipSync } from 'node:zlib'
import cliProgress from 'cli-progress'
import { unpackTar } from 'modern-tar'
import * as v from 'valibot'
import { Agent } from '../schema/api/agents'
import { LogChunk, Run, RunArchiveManifest, type RunDetail } from '../schema/api/runs'
import type { OutputLine } from '../schema/tasks/run-request'
import type { ApiClient } from './api-client'
import { pc } from './colours'
import { EXIT } from './errors'
import type { Printer } from './output'
import { followEvents } from './server-sent-events'

const AGENT_COLOURS = [pc.cyan, pc.magenta, pc.blue, pc.yellow, pc.green]

/** How often the progress bar asks for the run's counts, at most. */
const PROGRESS_INTERVAL_MS = 500

/** A line of output as printed: `host │ text`, stderr in red. */
export const formatLine = (prefix: string, line: Pick<OutputLine, 'stream' | 'text'>) =>
  `${prefix} ${pc.dim('│')} ${line.stream === 'stderr' ? pc.red(line.text) : line.text}`

/** The exit code a followed run ends the CLI with. */
export const exitCodeOf = (status: Run['status']) =>
  status === 'succeeded' ? EXIT.ok : status === 'failed' ? EXIT.runFailed : EXIT.runNotRun

/**
 * Follows a run to its end: each agent's output as it arrives, prefixed by its host, and on a
 * terminal a bar of agents finished and failed. An archived run's output is read from its archive.
 */
export class RunFollower {
  private readonly prefixes = new Map<string, string>()
  private bar: cliProgress.SingleBar | undefined
  private lastProgress = 0
  /** What the bar shows besides its count, kept to redraw it after a line of output. */
  private payload: { failed: number; status: string } = { failed: 0, status: '' }

  constructor(
    private readonly client: ApiClient,
    private readonly sitePath: string,
    private readonly printer: Printer,
    private readonly options: { agentId?: string | undefined; progress: boolean },
  ) {}

  async follow(runId: string): Promise<Run> {
    await this.loadPrefixes()
    const run = await this.run(runId)
    if (this.options.progress && process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${pc.bold(run.task_name)} [{bar}] {value}/{total} agents done · {failed} failed · {status}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
      this.payload = { failed: 0, status: run.status }
      this.bar.start(this.totalOf(run), 0, this.payload)
    }
    await followEvents(
      this.client,
      `${this.sitePath}/runs/${runId}/logs`,
      { agent_id: this.options.agentId },
      async (event) => {
        if (event.event === 'output') this.printChunk(v.parse(LogChunk, JSON.parse(event.data)))
        else if (event.event === 'archived') await this.printArchive(runId)
        else if (event.event === 'end') return 'done'
        else await this.progress(runId, false)
        return undefined
      },
    )
    const finished = await this.run(runId)
    await this.progress(runId, true, finished)
    this.bar?.stop()
    return finished
  }

  /** The closing line: how the run ended, per agent count. */
  summary(run: Run) {
    const counts = run.agents
    const colour = run.status === 'succeeded' ? pc.green : run.status === 'failed' ? pc.red : pc.yellow
    return `${colour(`run ${run.id} ${run.status}`)}: ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.skipped} skipped${run.reason ? ` (${run.reason})` : ''}`
  }

  /** Step attempts that did not succeed, one line each, for the end of a followed run. */
  failures(detail: RunDetail) {
    return detail.steps
      .filter((step) => step.outcome !== null && step.outcome !== 'succeeded')
      .map(
        (step) =>
          `${this.prefix(step.agent_id).trim()} step ${step.index} "${step.name}" attempt ${step.attempt}: ${step.outcome}` +
          `${step.exit_code === null ? '' : ` (exit ${step.exit_code})`}${step.message ? `: ${step.message}` : ''}`,
      )
  }

  private run(runId: string) {
    return this.client.get(Run, `${this.sitePath}/runs/${runId}`)
  }

  private totalOf(run: Run) {
    return Object.values(run.agents).reduce((sum, count) => sum + count, 0)
  }

  private async progress(runId: string, force: boolean, known?: Run) {
    if (!this.bar) return
    if (!force && Date.now() - this.lastProgress < PROGRESS_INTERVAL_MS) return
    this.lastProgress = Date.now()
    const run = known ?? (await this.run(runId))
    const { succeeded, failed, cancelled, skipped } = run.agents
    this.payload = { failed, status: run.status }
    this.bar.setTotal(this.totalOf(run))
    this.bar.update(succeeded + failed + cancelled + skipped, this.payload)
  }

  private async loadPrefixes() {
    const agents = await this.client.list(Agent, `${this.sitePath}/agents`, { limit: 1000 }, true)
    const width = Math.min(24, Math.max(0, ...agents.items.map((agent) => agent.hostname.length)))
    agents.items.forEach((agent, i) => {
      const colour = AGENT_COLOURS[i % AGENT_COLOURS.length] ?? pc.cyan
      this.prefixes.set(agent.id, colour(agent.hostname.slice(0, width).padEnd(width)))
    })
  }

  private prefix(agentId: string) {
    return this.prefixes.get(agentId) ?? agentId
  }

  private print(text: string) {
    if (this.bar) {
      this.bar.stop()
      this.printer.line(text)
      this.bar.start(this.bar.getTotal(), this.bar.getProgress() * this.bar.getTotal(), this.payload)
    } else {
      this.printer.line(text)
    }
  }

  private printChunk(chunk: LogChunk) {
    for (const line of chunk.lines) this.print(formatLine(this.prefix(chunk.agent_id), line))
  }

  /** The run's output from its `.tar.gz`, once it has left the log. */
  private async printArchive(runId: string) {
    const response = await this.client.send('GET', `${this.sitePath}/runs/${runId}/archive`)
    const entries = await unpackTar(gunzipSync(new Uint8Array(await response.arrayBuffer())))
    const text = (name: string) =>
      new TextDecoder().decode(entries.find((entry) => entry.header.name === name)?.data ?? new Uint8Array())
    const manifest = v.parse(RunArchiveManifest, JSON.parse(text('manifest.json')))
    for (const attempt of manifest.attempts) {
      if (this.options.agentId && attempt.agent_id !== this.options.agentId) continue
      for (const row of text(attempt.file).split('\n')) {
        const match = /^(\S+) (stdout|stderr) (.*)$/.exec(row)
        if (match)
          this.print(
            formatLine(this.prefix(attempt.agent_id), { stream: match[2] as 'stdout', text: match[3] ?? '' }),
          )
      }
    }
  }
}
