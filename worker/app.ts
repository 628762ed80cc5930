import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { openAPIRouteHandler } from 'hono-openapi'
import { authenticate } from './auth/authenticate'
import { streamsFile } from './files/paths'
import type { AppEnv } from './http/context'
import { ApiError, apiError } from './http/errors'
import { idempotencyKey } from './http/idempotency-key'
import { requestLog } from './http/request-log'
import { errorMessage, log } from './lib/log'
import { apiKeyRoutes, auditRoutes, grantRoutes } from './routes/access'
import { adminRoutes } from './routes/admin'
import { agentBuildRoutes, signingKeyRoutes } from './routes/agent-builds'
import { agentInventoryRoutes } from './routes/agent-inventory'
import { agentBuildDownloadRoutes, rolloutRoutes } from './routes/agent-rollouts'
import { agentEntryRoutes, siteAgentRoutes } from './routes/agents'
import { alertHistoryRoutes } from './routes/alert-history'
import { alertRoutes } from './routes/alerts'
import { authRoutes, signInRoutes } from './routes/auth'
import { bootstrapRoutes } from './routes/bootstrap'
import { chatopsRoutes, slackCommandRoutes } from './routes/chatops'
import { docsPage } from './routes/docs'
import { eventIndexRoutes } from './routes/event-index'
import { eventRoutes } from './routes/events'
import { agentFileRoutes, fileRoutes } from './routes/files'
import { hookRoutes } from './routes/hooks'
import { installRoutes } from './routes/install'
import { integrationRoutes } from './routes/integrations'
import { inventoryRoutes } from './routes/inventory'
import { connectorRoutes } from './routes/inventory-connectors'
import { inventoryLinkRoutes } from './routes/inventory-links'
import { inventoryReportRoutes } from './routes/inventory-reports'
import { inventorySettingRoutes } from './routes/inventory-settings'
import { maestroRoutes } from './routes/maestro'
import { resourceRoutes } from './routes/resources'
import { ruleRoutes } from './routes/rules'
import { runHistoryRoutes } from './routes/run-history'
import { runRoutes } from './routes/runs'
import { savedReportRoutes } from './routes/saved-reports'
import { scheduleRoutes } from './routes/schedules'
import { siteRoutes } from './routes/sites'
import { taskRoutes } from './routes/tasks'
import { teamRoutes } from './routes/teams'
import { tenantIntegrationRoutes } from './routes/tenant-integrations'
import { userRoutes } from './routes/users'

/** Largest request body: a full batch of events fits. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw apiError(413, 'body_too_large', `request bodies are at most ${MAX_BODY_BYTES} bytes`)
  },
})

const api = new Hono<AppEnv>()
  // A file upload streams to R2 and checks its own length, up to MAX_FILE_BYTES. A plain
  // branch rather than hono's `except`, whose combinators cost every request several awaits.
  .use((c, next) => (streamsFile(c.req.method, c.req.path) ? next() : limitBody(c, next)))
  .get('/health', (c) => c.json({ status: 'ok' }))
  .route('/bootstrap', bootstrapRoutes)
  .route('/auth', signInRoutes)
  .route('/', agentEntryRoutes)
  .route('/', agentFileRoutes)
  .route('/', agentBuildDownloadRoutes)
  .route('/hooks', hookRoutes)
  .route('/chatops', slackCommandRoutes)
  .get('/docs', (c) => c.html(docsPage))

api
  .use(authenticate, idempotencyKey)
  .route('/sites', siteRoutes)
  .route('/sites', eventRoutes)
  .route('/sites', siteAgentRoutes)
  .route('/sites', taskRoutes)
  .route('/sites', runRoutes)
  .route('/sites', fileRoutes)
  .route('/sites', scheduleRoutes)
  .route('/sites', integrationRoutes)
  .route('/sites', alertRoutes)
  .route('/sites', ruleRoutes)
  .route('/sites', resourceRoutes)
  .route('/sites', inventoryRoutes)
  .route('/sites', inventoryLinkRoutes)
  .route('/sites', inventorySettingRoutes)
  .route('/sites', connectorRoutes)
  .route('/sites', rolloutRoutes)
  .route('/agents', agentInventoryRoutes)
  .route('/agent-signing-key', signingKeyRoutes)
  .route('/agent-builds', agentBuildRoutes)
  .route('/runs', runHistoryRoutes)
  .route('/alerts', alertHistoryRoutes)
  .route('/integrations', tenantIntegrationRoutes)
  .route('/inventory', inventoryReportRoutes)
  .route('/inventory', savedReportRoutes)
  .route('/events', eventIndexRoutes)
  .route('/admin', adminRoutes)
  .route('/api-keys', apiKeyRoutes)
  .route('/grants', grantRoutes)
  .route('/audit', auditRoutes)
  .route('/users', userRoutes)
  .route('/teams', teamRoutes)
  .route('/auth', authRoutes)
  .route('/chatops', chatopsRoutes)

/** The Worker's HTTP app: the JSON API under /v1; everything else is the web UI's static files. */
export const app = new Hono<AppEnv>()

app.use('/v1/*', requestId(), requestLog)
app.use('/api/maestro/*', requestId(), requestLog)

app.get(
  '/v1/openapi.json',
  openAPIRouteHandler(app, {
    documentation: {
      openapi: '3.1.0',
      info: {
        title: 'Sitewire API',
        version: '1',
        description:
          'Sites, their CloudEvents logs and projections. Every route but /v1/health, /v1/bootstrap, /v1/auth/sign-in, ' +
          '/v1/openapi.json and /v1/docs needs an API key in `Authorization: Bearer <api key>`. The web console ' +
          'uses the `sitewire_session` cookie that signing in sets instead; scripts and tools use API keys. ' +
          'Writes accept `Idempotency-Key`. Errors are `{"error":{"code","message","details"}}`.',
      },
      servers: [{ url: '/' }],
      // The reference groups operations in this order, whatever order the routes are mounted in.
      tags: [
        { name: 'Sites' },
        { name: 'Events' },
        { name: 'Agents' },
        { name: 'Tasks' },
        { name: 'Runs' },
        { name: 'Files' },
        { name: 'Schedules' },
        { name: 'Inventory' },
        { name: 'Alerts' },
        { name: 'Resources' },
        { name: 'Agent upgrades' },
        { name: 'Chat-ops' },
        { name: 'Admin' },
        { name: 'Access' },
      ],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key (`sw_…`) in `Authorization: Bearer <api key>`: for scripts, CI and tools. ' +
              'Create one with `POST /v1/api-keys` or in the console; its secret is shown once.',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'sitewire_session',
            description:
              "The web console's session cookie, set by `POST /v1/auth/sign-in`; for browsers only. " +
              "Cookie-carried writes must come from the platform's own origin.",
          },
        },
      },
    },
    // The maestro-compatible API follows maestro's own OpenAPI document, not this one.
    exclude: [
      '/v1/health',
      '/v1/bootstrap',
      '/v1/bootstrap/recover-admin',
      '/v1/docs',
      '/v1/openapi.json',
      /^\/api\/maestro\//,
    ],
  }),
)

app
  .route('/install', installRoutes)
  .route('/v1', api)
  .route('/api/maestro/v1', maestroRoutes)
  .notFound((c) =>
    c.req.path.startsWith('/v1/')
      ? c.json(apiError(404, 'not_found', `no route ${c.req.method} ${c.req.path}`).toBody(), 404)
      : c.env.ASSETS.fetch(c.req.raw),
  )
  .onError((error, c) => {
    const known = toApiError(error)
    if (known) return c.json(known.toBody(), known.status)
    log('error', 'unhandled error', {
      request_id: c.var.requestId,
      path: c.req.path,
      error: errorMessage(error),
    })
    return c.json(
      apiError(500, 'internal', 'something went wrong; the request id is in x-request-id').toBody(),
      500,
    )
  })

const toApiError = (error: Error): ApiError | undefined => {
  if (error instanceof ApiError) return error
  if (error instanceof HTTPException && error.status === 400) {
    return apiError(400, 'malformed_json', error.message || 'body is not valid JSON')
  }
  return undefined
}
