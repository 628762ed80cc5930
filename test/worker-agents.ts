import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { expect } from 'vitest'
import type { ServerMessage } from '../schema/agent/protocol'
import { client, eventually } from './worker-support'

/** An agent as a test drives it: its key pair, and enrolment and connection like the CLI's. */
export const newAgent = async () => {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const x = (await exportJWK(publicKey)).x as string
  const enrol = (token: string, labels: Record<string, string> = {}) =>
    client(undefined)('/v1/agents/enrol', {
      method: 'POST',
      json: { token, public_key: x, hostname: 'web-1', labels },
    })
  /** A JWT for one path, as the agent signs one for each request it makes. */
  const sign = (agentId: string, audience: string, lifetime = 60) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(agentId)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + lifetime)
      .setJti(crypto.randomUUID())
      .sign(privateKey)
  const jwt = (agentId: string, siteId: string, lifetime = 60) =>
    sign(agentId, `/v1/sites/${siteId}/agents/connect`, lifetime)
  const connect = async (agentId: string, siteId: string, token?: string) =>
    client(undefined)(`/v1/sites/${siteId}/agents/connect`, {
      headers: {
        upgrade: 'websocket',
        authorization: `Bearer ${token ?? (await jwt(agentId, siteId))}`,
        'sitewire-agent-version': '1.2.3',
        'sitewire-protocol': '1',
      },
    })
  return { enrol, sign, jwt, connect }
}

/** An open agent connection and every message it received. */
export const open = async (response: Response) => {
  expect(response.status).toBe(101)
  const socket = response.webSocket as WebSocket
  const messages: (ServerMessage | string)[] = []
  let closed: { code: number; reason: string } | undefined
  socket.addEventListener('message', (m) => {
    const text = m.data as string
    messages.push(text === 'pong' ? text : (JSON.parse(text) as ServerMessage))
  })
  socket.addEventListener('close', (e) => {
    closed = { code: e.code, reason: e.reason }
  })
  socket.accept()
  const next = (predicate: (m: ServerMessage | string) => boolean) =>
    eventually(async () => messages.find(predicate))
  return { socket, messages, next, closed: () => closed }
}

export const factsFrame = (
  siteId: string,
  agentId: string,
  changed: Record<string, unknown>,
  removed: string[] = [],
  more: Record<string, unknown> = {},
) => ({
  specversion: '1.0',
  id: crypto.randomUUID(),
  source: `/sites/${siteId}/agents/${agentId}`,
  type: 'io.sitewire.agent.facts_reported',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data: { agent_id: agentId, changed, removed, ...more },
})
