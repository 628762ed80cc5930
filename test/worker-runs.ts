import type { Enrolled, ServerMessage } from '../schema/agent/protocol'
import type { Site } from '../schema/api/sites'
import type { StepOutcome } from '../schema/tasks/run-request'
import { newAgent, open } from './worker-agents'
import { eventually } from './worker-support'

export type StepMessage = Extract<ServerMessage, { type: 'step' }>

/** A connected fake agent: it receives steps and answers with step events as the CLI does. */
export const connectAgent = async (site: Site, token: string, labels: Record<string, string> = {}) => {
  const agent = await newAgent()
  const { agent_id: agentId } = (await (await agent.enrol(token, labels)).json()) as Enrolled
  const conn = await open(await agent.connect(agentId, site.id))
  const frame = (type: string, data: Record<string, unknown>) => ({
    specversion: '1.0',
    id: crypto.randomUUID(),
    source: `/sites/${site.id}/agents/${agentId}`,
    type,
    time: new Date().toISOString(),
    data: { agent_id: agentId, ...data },
  })
  const ref = (step: StepMessage) => ({ run_id: step.run_id, index: step.index, attempt: step.attempt })
  const steps = () =>
    conn.messages.filter((m): m is StepMessage => typeof m !== 'string' && m.type === 'step')
  const nextStep = (count: number) =>
    eventually(async () => (steps().length >= count ? steps()[count - 1] : undefined))
  const acked = async (id: string) =>
    conn.next((m) => typeof m !== 'string' && m.type === 'ack' && m.ids.includes(id))
  const send = async (event: ReturnType<typeof frame>) => {
    conn.socket.send(JSON.stringify(event))
    await acked(event.id)
  }
  const finish = async (
    step: StepMessage,
    outcome: StepOutcome,
    exitCode: number | null,
    lines: string[] = [],
  ) => {
    await send(frame('io.sitewire.step.started', { ...ref(step), pid: 42 }))
    if (lines.length > 0)
      await send(
        frame('io.sitewire.step.output', {
          ...ref(step),
          chunk: 0,
          lines: lines.map((text) => ({ at: new Date().toISOString(), stream: 'stdout', text })),
        }),
      )
    await send(
      frame('io.sitewire.step.finished', {
        ...ref(step),
        outcome,
        exit_code: exitCode,
        signal: null,
        duration_ms: 12,
        message: null,
      }),
    )
  }
  return { agentId, conn, frame, steps, nextStep, finish, send }
}

export const script = (body: string, extra: Record<string, unknown> = {}) => ({
  kind: 'script',
  body,
  ...extra,
})
