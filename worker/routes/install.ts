import { Hono } from 'hono'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'
import { AGENT_BUNDLE_KEY, agentInstallScript } from '../install/agent-script'

const hex = (bytes: ArrayBuffer) =>
  [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('')

/** The agent bundle this platform serves, or a 404 that says how to publish it. */
const agentBundle = async (bucket: R2Bucket) => {
  const object = await bucket.get(AGENT_BUNDLE_KEY)
  if (!object) {
    throw apiError(
      404,
      'agent_not_published',
      'this platform serves no agent yet: run `npm run publish:agent`',
    )
  }
  return object
}

/**
 * `/install`: what a server needs to install the agent with one command, no credentials (the
 * enrolment token in the command is the credential). The script names this platform and the
 * bundle's SHA-256, so a bundle altered on the way is refused before it is installed.
 */
export const installRoutes = new Hono<AppEnv>()
  .get('/agent.sh', async (c) => {
    const bundle = await agentBundle(c.env.ARCHIVES)
    const sha256 = hex(await crypto.subtle.digest('SHA-256', await bundle.arrayBuffer()))
    return c.body(agentInstallScript(new URL(c.req.url).origin, sha256), 200, {
      'content-type': 'text/x-shellscript; charset=utf-8',
      'cache-control': 'no-store',
    })
  })
  .get('/sitewire-agent.mjs', async (c) => {
    const bundle = await agentBundle(c.env.ARCHIVES)
    return new Response(bundle.body, {
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'content-length': String(bundle.size),
        etag: bundle.httpEtag,
        'cache-control': 'no-store',
      },
    })
  })
