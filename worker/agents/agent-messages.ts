import * as v from 'valibot'
import { AgentFrame, MAX_BATCH_BYTES, MAX_FRAME_BYTES } from '../../schema/agent/protocol'
import { ApiError, apiError } from '../http/errors'
import { errorMessage, log } from '../lib/log'
import { overBytes } from '../lib/utf8'
import type { Commit } from '../site/commit-plan'
import { sendMessage } from './agent-connections'

/** A frame of a message that will not be stored, the id it claims if it has one, and why. */
export interface RefusedFrame {
  eventId: string | null
  error: ApiError
}

/** What one message from an agent holds: the frames it may send, and the ones refused. */
export interface AgentMessage {
  frames: AgentFrame[]
  refused: RefusedFrame[]
}

const decoder = new TextDecoder()
/** Most bytes of messages waiting for the next turn: past it they are stored at once, so waiting never costs much memory. */
const MAX_QUEUED_BYTES = 4 * MAX_BATCH_BYTES
const BATCH_START = /^\s*\[/

/** A CloudEvent an agent may send, from its own source. */
const checkFrame = (json: unknown, agentId: string, siteId: string): AgentFrame => {
  const parsed = v.safeParse(AgentFrame, json)
  if (!parsed.success) throw apiError(400, 'invalid_frame', v.summarize(parsed.issues))
  const frame = parsed.output
  if (frame.source !== `/sites/${siteId}/agents/${agentId}` || frame.data.agent_id !== agentId) {
    throw apiError(403, 'wrong_source', `an agent sends as /sites/${siteId}/agents/${agentId} only`)
  }
  return frame
}

const claimedId = (json: unknown): string | null => {
  const id = (json as { id?: unknown } | null)?.id
  return typeof id === 'string' ? id : null
}

/**
 * Reads one message from an agent: one JSON CloudEvent, or a JSON array of them (agents the
 * welcome offered `batch_bytes`). A message that cannot be read at all throws; in an array,
 * each frame is checked on its own, so one bad frame costs only itself.
 */
export const readAgentMessage = (
  message: string | ArrayBuffer,
  agentId: string,
  siteId: string,
): AgentMessage => {
  const text = typeof message === 'string' ? message : decoder.decode(message)
  const batch = BATCH_START.test(text)
  const limit = batch ? MAX_BATCH_BYTES : MAX_FRAME_BYTES
  const tooLarge = typeof message === 'string' ? overBytes(text, limit) : message.byteLength > limit
  if (tooLarge) {
    throw batch
      ? apiError(413, 'message_too_large', `a message of several frames is at most ${MAX_BATCH_BYTES} bytes`)
      : apiError(413, 'frame_too_large', `frames are at most ${MAX_FRAME_BYTES} bytes`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw apiError(
      400,
      'malformed_json',
      batch ? 'a message of several frames is a JSON array of CloudEvents' : 'a frame is one JSON CloudEvent',
    )
  }
  if (!Array.isArray(json)) return { frames: [checkFrame(json, agentId, siteId)], refused: [] }
  if (json.length === 0)
    throw apiError(400, 'invalid_frame', 'a message of several frames holds at least one')
  const read: AgentMessage = { frames: [], refused: [] }
  for (const item of json) {
    try {
      read.frames.push(checkFrame(item, agentId, siteId))
    } catch (error) {
      read.refused.push({ eventId: claimedId(item), error: error as ApiError })
    }
  }
  return read
}

/** The id a message claims, when it is readable enough to have one: errors name it. */
export const frameId = (message: string | ArrayBuffer): string | null => {
  try {
    return claimedId(JSON.parse(typeof message === 'string' ? message : decoder.decode(message)))
  } catch {
    return null
  }
}

/** Where agents' frames are stored, and what the site checks of them first. */
export interface FrameStore {
  /** The site's id; throws when there is no site. */
  siteId: () => string
  /** Checks a frame against what the site knows beyond its shape; may refile it. */
  admit: (frame: AgentFrame, agentId: string) => AgentFrame
  commit: Commit
}

/** A message's frames, and where their ack goes. */
interface Queued {
  socket: WebSocket
  agentId: string
  frames: AgentFrame[]
}

/**
 * Agents' messages, stored together when they arrive together. Each message is read as it
 * comes (a frame that cannot be is answered at once); its frames wait for the object's next
 * turn, when every message that arrived meanwhile is admitted and stored in one transaction:
 * under load, many agents' frames then share one commit, one fsync and one advance of the
 * runs, and a lone message waits for nothing but that turn. Admission runs in that same turn,
 * so what it checks (the run still takes output) still holds at the commit. Each agent gets
 * one ack for the frames of each message. Should the transaction fail, each message is stored
 * on its own, and then each frame, so a frame the site cannot store holds back no other.
 */
export class FrameQueue {
  private queued: Queued[] = []
  private queuedBytes = 0
  private flushing: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly store: FrameStore) {}

  add(socket: WebSocket, agentId: string, message: string | ArrayBuffer) {
    const frames = read(socket, agentId, message, this.store)
    if (frames.length === 0) return
    this.queued.push({ socket, agentId, frames })
    this.queuedBytes += typeof message === 'string' ? message.length : message.byteLength
    if (this.queuedBytes > MAX_QUEUED_BYTES) this.flush()
    else this.flushing ??= setTimeout(() => this.flush(), 0)
  }

  private flush() {
    clearTimeout(this.flushing)
    this.flushing = undefined
    const queued = this.queued
      .map((message) => ({ ...message, frames: admit(message, this.store) }))
      .filter((message) => message.frames.length > 0)
    this.queued = []
    this.queuedBytes = 0
    if (queued.length > 1 && storeTogether(queued, this.store).ok) return
    for (const message of queued) {
      if (message.frames.length > 1 && storeTogether([message], this.store).ok) continue
      for (const frame of message.frames) {
        const alone = storeTogether([{ ...message, frames: [frame] }], this.store)
        if (!alone.ok) refuse(message.socket, message.agentId, frame.id, alone.error)
      }
    }
  }
}

/** Stores the frames of these messages in one transaction, then acks each message. */
const storeTogether = (
  messages: Queued[],
  frames: FrameStore,
): { ok: true } | { ok: false; error: unknown } => {
  try {
    frames.commit(undefined, () => ({
      events: messages.flatMap((message) => message.frames),
      reply: () => ({ status: 200, body: null }),
    }))
  } catch (error) {
    return { ok: false, error }
  }
  for (const { socket, frames } of messages)
    sendMessage(socket, { type: 'ack', ids: frames.map((f) => f.id) })
  return { ok: true }
}

/** Reads one message; what cannot be read is answered at once. */
const read = (
  socket: WebSocket,
  agentId: string,
  message: string | ArrayBuffer,
  store: FrameStore,
): AgentFrame[] => {
  let read: AgentMessage
  try {
    read = readAgentMessage(message, agentId, store.siteId())
  } catch (error) {
    refuse(socket, agentId, frameId(message), error)
    return []
  }
  for (const { eventId, error } of read.refused) refuse(socket, agentId, eventId, error)
  return read.frames
}

/** The frames of a message the site admits; each refused one is answered. */
const admit = ({ socket, agentId, frames }: Queued, store: FrameStore): AgentFrame[] => {
  const admitted: AgentFrame[] = []
  for (const frame of frames) {
    try {
      admitted.push(store.admit(frame, agentId))
    } catch (error) {
      refuse(socket, agentId, frame.id, error)
    }
  }
  return admitted
}

/** Tells the agent a frame was not stored; retryable when the fault was the platform's. */
const refuse = (socket: WebSocket, agentId: string, eventId: string | null, error: unknown) => {
  if (!(error instanceof ApiError)) {
    log('error', 'agent frame fault', { agent_id: agentId, error: errorMessage(error) })
  }
  const known = error instanceof ApiError ? error : apiError(500, 'internal', 'the frame could not be stored')
  sendMessage(socket, {
    type: 'error',
    code: known.code,
    message: known.message,
    event_id: eventId,
    retryable: known.status >= 500,
  })
}
