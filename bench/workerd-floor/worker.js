// Plain JavaScript so both wrangler and Miniflare load it as it is, with no build step.
import { DurableObject } from 'cloudflare:workers'

/**
 * The least a Durable Object log can do per append: one bound INSERT in the object's SQLite,
 * no validation, no auth, no projection. Its rate is the ceiling of the runtime itself.
 */
export class LogObject extends DurableObject {
  head = 0

  constructor(ctx, env) {
    super(ctx, env)
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)')
  }

  ping() {
    return this.head
  }

  append(body) {
    this.head += 1
    this.ctx.storage.sql.exec('INSERT INTO events (seq, body) VALUES (?, ?)', this.head, body)
    return this.head
  }
}

/** `/hello` never leaves the Worker; `/ping` calls the object; `/append` writes in it. */
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname
    if (path === '/hello') return new Response('ok')
    const log = env.LOG.get(env.LOG.idFromName('floor'))
    if (path === '/ping') return Response.json({ head: await log.ping() })
    if (path === '/append' && request.method === 'POST') {
      return Response.json({ seq: await log.append(await request.text()) }, { status: 201 })
    }
    return new Response('not found', { status: 404 })
  },
}
