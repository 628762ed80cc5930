// Plain JavaScript so Miniflare loads it as it is, with no build step.
import { DurableObject } from 'cloudflare:workers'

const FRAME = JSON.stringify({ type: 'refresh_facts' })

/**
 * The least a site's object can do for its agents: accept hibernatable WebSockets under one
 * tag, answer `ping` without waking, and send one frame to every socket. No auth, no log,
 * no events: what it costs is what workerd costs, the floor under Sitewire's figures.
 */
export class HubObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env)
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
  }

  async fetch(request) {
    const path = new URL(request.url).pathname
    if (path === '/connect') {
      const { 0: client, 1: server } = new WebSocketPair()
      this.ctx.acceptWebSocket(server, ['agents'])
      server.send(JSON.stringify({ type: 'welcome' }))
      return new Response(null, { status: 101, webSocket: client })
    }
    if (path === '/broadcast') {
      const sockets = this.ctx.getWebSockets('agents')
      for (const socket of sockets) {
        try {
          socket.send(FRAME)
        } catch {
          // Closing under us.
        }
      }
      return Response.json({ agents: sockets.length }, { status: 202 })
    }
    return new Response('not found', { status: 404 })
  }

  webSocketMessage() {}

  webSocketClose(socket, code, reason) {
    try {
      socket.close(code === 1005 ? 1000 : code, reason)
    } catch {
      // Already closed.
    }
  }
}

/** `/hello` never leaves the Worker; everything else goes to the one object. */
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === '/hello') return new Response('ok')
    return env.HUB.get(env.HUB.idFromName('floor')).fetch(request)
  },
}
