import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { type ConnectionOptions, openConnection } from './connection'
import { createLogger } from './log'
import { waitFor } from './testing/platform'

const quiet = createLogger('error', () => undefined)

interface Upgrade {
  at: number
  authorization: string | undefined
  extensions: string | undefined
}

/** A WebSocket server that records each upgrade and then does what the test says. */
const startServer = async (onUpgrade: (socket: import('node:stream').Duplex, accept: () => void) => void) => {
  const upgrades: Upgrade[] = []
  const wss = new WebSocketServer({ noServer: true })
  const server: Server = createServer()
  server.on('upgrade', (request, socket, head) => {
    upgrades.push({
      at: Date.now(),
      authorization: request.headers.authorization,
      extensions: request.headers['sec-websocket-extensions'],
    })
    onUpgrade(socket, () => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/sites/S/agents/connect`
  const close = async () => {
    for (const client of wss.clients) client.terminate()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  return { url, upgrades, wss, close }
}

let cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const step of cleanup) await step()
  cleanup = []
})

const connect = (url: string, options: Partial<ConnectionOptions> = {}) => {
  let n = 0
  const connection = openConnection({
    url,
    log: quiet,
    headers: async () => ({ authorization: `Bearer token-${++n}` }),
    onOpen: () => undefined,
    onMessage: () => undefined,
    onClose: () => undefined,
    backoff: { baseMs: 100, random: () => 1 },
    ...options,
  })
  cleanup.unshift(() => {
    connection.stop()
    return connection.done
  })
  return connection
}

describe('openConnection', () => {
  it('reconnects with growing delays and fresh credentials after the platform drops it', async () => {
    const server = await startServer((_socket, accept) => accept())
    cleanup.push(server.close)
    server.wss.on('connection', (ws) => ws.close(1011, 'going away'))
    const opened: number[] = []
    connect(server.url, { onOpen: () => opened.push(Date.now()) })

    await waitFor(() => server.upgrades.length >= 4, 'four connections')
    const gaps = server.upgrades.slice(1).map((upgrade, i) => upgrade.at - (server.upgrades[i]?.at ?? 0))
    expect(gaps[0]).toBeGreaterThanOrEqual(90)
    expect(gaps[1]).toBeGreaterThanOrEqual(190)
    expect(gaps[2]).toBeGreaterThanOrEqual(390)
    expect(new Set(server.upgrades.map((upgrade) => upgrade.authorization)).size).toBe(server.upgrades.length)
    expect(opened.length).toBeGreaterThanOrEqual(3)
    // No permessage-deflate: it would cost the platform memory and time for every agent.
    expect(server.upgrades.map((upgrade) => upgrade.extensions)).toEqual(server.upgrades.map(() => undefined))
  })

  it('starts the backoff over after a stable connection', async () => {
    const server = await startServer((_socket, accept) => accept())
    cleanup.push(server.close)
    server.wss.on('connection', (ws) => setTimeout(() => ws.close(1011, 'going away'), 100))
    connect(server.url, { stableAfterMs: 50 })

    await waitFor(() => server.upgrades.length >= 4, 'four connections')
    const gaps = server.upgrades.slice(1).map((upgrade, i) => upgrade.at - (server.upgrades[i]?.at ?? 0))
    for (const gap of gaps) expect(gap).toBeLessThan(350)
  })

  it('keeps retrying after a 401, then stops when asked', async () => {
    const server = await startServer((socket) =>
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
      ),
    )
    cleanup.push(server.close)
    const connection = connect(server.url, { backoff: { baseMs: 10, random: () => 1 } })
    await waitFor(() => server.upgrades.length >= 3, 'three attempts')
    connection.stop()
    await expect(connection.done).resolves.toEqual({ reason: 'stopped' })
  })

  it('stops for good when the platform answers 403', async () => {
    const body = JSON.stringify({
      error: { code: 'agent_revoked', message: 'this agent was revoked; enrol again to connect' },
    })
    const server = await startServer((socket) =>
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      ),
    )
    cleanup.push(server.close)
    const connection = connect(server.url)
    await expect(connection.done).resolves.toEqual({
      reason: 'refused',
      message: 'this agent was revoked; enrol again to connect',
    })
    expect(server.upgrades.length).toBe(1)
  })

  it('pings, and hands the platform messages over parsed', async () => {
    const server = await startServer((_socket, accept) => accept())
    cleanup.push(server.close)
    const pings: string[] = []
    server.wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        pings.push(data.toString())
        ws.send('pong')
        ws.send(JSON.stringify({ type: 'ack', ids: ['E1'] }))
      })
    })
    const messages: unknown[] = []
    connect(server.url, { pingIntervalMs: 50, onMessage: (message) => messages.push(message) })
    await waitFor(() => messages.length >= 2, 'two acks')
    expect(pings.slice(0, 2)).toEqual(['ping', 'ping'])
    expect(messages[0]).toEqual({ type: 'ack', ids: ['E1'] })
  })

  it('drops a connection whose platform stopped answering', async () => {
    const server = await startServer((_socket, accept) => accept())
    cleanup.push(server.close)
    let closed = 0
    connect(server.url, { pingIntervalMs: 30, onClose: () => closed++ })
    await waitFor(() => closed >= 1 && server.upgrades.length >= 2, 'a reconnect after silence')
  })
})
