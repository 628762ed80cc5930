import { Masker } from '../../agent/steps/mask'
import { MAX_OUTPUT_BYTES, StepOutput } from '../../agent/steps/output'
import type { OutputLine } from '../../schema/tasks/run-request'

/** What each simulated agent's step prints: `lines` lines of `lineBytes` bytes, newline included. */
export interface OutputPlan {
  lines: number
  lineBytes: number
}

/** Bytes a step prints under `plan`: what the MB/s figures count (not the JSON around it). */
export const printedBytes = (plan: OutputPlan) => plan.lines * plan.lineBytes

/** The real agent sends at most this much of one attempt's output; a bench asking for more would measure truncation. */
export const MAX_PRINTED_BYTES = MAX_OUTPUT_BYTES

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

/**
 * The text a step prints: log-like lines, each numbered, then filled with pseudo-random
 * characters from a fixed seed. Real logs repeat themselves a lot; these repeat only their
 * prefix, so WebSocket compression and the archive's gzip get no easy win from them.
 */
export const printedText = (plan: OutputPlan): string => {
  let seed = 0x2545f491
  const random = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) % ALPHABET.length
  }
  const lines: string[] = []
  for (let i = 0; i < plan.lines; i++) {
    const prefix = `${String(i).padStart(7, '0')} INFO bench step output `
    let text = prefix.slice(0, Math.max(0, plan.lineBytes - 1))
    while (text.length < plan.lineBytes - 1) text += ALPHABET[random()]
    lines.push(text)
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}

/**
 * Cuts `text` into the chunks the real agent would send for it: the agent's own line reader
 * (timestamps, masking with no secrets, the 16 KiB line limit) and chunk batcher (at most
 * 10,000 lines or about 155 KiB of JSON per chunk), so frame sizes and counts are the agent's.
 */
export const agentChunks = (text: string, send: (lines: OutputLine[]) => void) => {
  const output = new StepOutput(new Masker([]), send)
  output.write('stdout', text)
  output.close()
}

/**
 * What a real agent would run to print as much (the simulated agents print without running
 * anything): the task's script, so the run reads as what it stands for.
 */
export const equivalentScript = (plan: OutputPlan) =>
  plan.lines === 0
    ? 'true'
    : `awk 'BEGIN { for (i = 0; i < ${plan.lines}; i++) printf "%0${plan.lineBytes - 1}d\\n", i }'`
