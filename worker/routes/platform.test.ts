import { describe, expect, it } from 'vitest'
import { client, expectError, newTenant } from '../../test/worker-support'

const anonymous = client(undefined)

describe('platform routes', () => {
  it('answers health without credentials', async () => {
    const response = await anonymous('/v1/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('describes the API in OpenAPI 3.1, generated from the schemas', async () => {
    const response = await anonymous('/v1/openapi.json')
    expect(response.status).toBe(200)
    const spec = (await response.json()) as {
      openapi: string
      paths: Record<
        string,
        Record<string, { summary: string; responses: Record<string, unknown>; requestBody?: unknown }>
      >
    }
    expect(spec.openapi).toBe('3.1.0')
    expect(Object.keys(spec.paths).sort()).toEqual([
      '/v1/admin/projections/rebuild',
      '/v1/agent-builds',
      '/v1/agent-builds/{buildId}',
      '/v1/agent-builds/{buildId}/content',
      '/v1/agent-signing-key',
      '/v1/agents',
      '/v1/agents/enrol',
      '/v1/alerts',
      '/v1/api-keys',
      '/v1/api-keys/{id}',
      '/v1/audit',
      '/v1/auth/me',
      '/v1/auth/password',
      '/v1/auth/sign-in',
      '/v1/auth/sign-out',
      '/v1/chatops/slack',
      '/v1/chatops/slack/link-codes',
      '/v1/chatops/slack/links',
      '/v1/chatops/slack/links/{id}',
      '/v1/chatops/slack/{tenantId}/commands',
      '/v1/events',
      '/v1/grants',
      '/v1/grants/{id}',
      '/v1/hooks/tenants/{tenantId}/{integrationId}',
      '/v1/hooks/{siteId}/{integrationId}',
      '/v1/integrations',
      '/v1/integrations/{integrationId}',
      '/v1/integrations/{integrationId}/deliveries',
      '/v1/integrations/{integrationId}/refusals',
      '/v1/integrations/{integrationId}/retire-secret',
      '/v1/integrations/{integrationId}/rotate-secret',
      '/v1/inventory/reports/entities',
      '/v1/inventory/reports/pivot',
      '/v1/inventory/saved-reports',
      '/v1/inventory/saved-reports/{id}',
      '/v1/inventory/saved-reports/{id}/results',
      '/v1/inventory/saved-reports/{id}/results/{resultId}',
      '/v1/inventory/saved-reports/{id}/run',
      '/v1/runs',
      '/v1/runs/steps',
      '/v1/sites',
      '/v1/sites/{siteId}',
      '/v1/sites/{siteId}/agent-rollouts',
      '/v1/sites/{siteId}/agent-rollouts/{rolloutId}',
      '/v1/sites/{siteId}/agent-rollouts/{rolloutId}/cancel',
      '/v1/sites/{siteId}/agent-rollouts/{rolloutId}/pause',
      '/v1/sites/{siteId}/agent-rollouts/{rolloutId}/resume',
      '/v1/sites/{siteId}/agents',
      '/v1/sites/{siteId}/agents/builds/{buildId}',
      '/v1/sites/{siteId}/agents/connect',
      '/v1/sites/{siteId}/agents/files/{fileId}',
      '/v1/sites/{siteId}/agents/refresh-facts',
      '/v1/sites/{siteId}/agents/runs/{runId}/steps/{index}/{attempt}/file',
      '/v1/sites/{siteId}/agents/{agentId}',
      '/v1/sites/{siteId}/agents/{agentId}/approve',
      '/v1/sites/{siteId}/agents/{agentId}/reject',
      '/v1/sites/{siteId}/agents/{agentId}/revoke',
      '/v1/sites/{siteId}/alerts',
      '/v1/sites/{siteId}/alerts/counts',
      '/v1/sites/{siteId}/alerts/{alertId}',
      '/v1/sites/{siteId}/alerts/{alertId}/acknowledge',
      '/v1/sites/{siteId}/alerts/{alertId}/history',
      '/v1/sites/{siteId}/alerts/{alertId}/resolve',
      '/v1/sites/{siteId}/alerts/{alertId}/triggers',
      '/v1/sites/{siteId}/archive',
      '/v1/sites/{siteId}/consumers',
      '/v1/sites/{siteId}/consumers/{consumerId}',
      '/v1/sites/{siteId}/enrolment-tokens',
      '/v1/sites/{siteId}/enrolment-tokens/{tokenId}',
      '/v1/sites/{siteId}/events',
      '/v1/sites/{siteId}/events/stream',
      '/v1/sites/{siteId}/events/{seq}',
      '/v1/sites/{siteId}/files',
      '/v1/sites/{siteId}/files/{fileId}',
      '/v1/sites/{siteId}/files/{fileId}/content',
      '/v1/sites/{siteId}/integrations',
      '/v1/sites/{siteId}/integrations/{integrationId}',
      '/v1/sites/{siteId}/integrations/{integrationId}/deliveries',
      '/v1/sites/{siteId}/integrations/{integrationId}/refusals',
      '/v1/sites/{siteId}/integrations/{integrationId}/retire-secret',
      '/v1/sites/{siteId}/integrations/{integrationId}/rotate-secret',
      '/v1/sites/{siteId}/inventory/connectors',
      '/v1/sites/{siteId}/inventory/connectors/{connectorId}',
      '/v1/sites/{siteId}/inventory/connectors/{connectorId}/sync',
      '/v1/sites/{siteId}/inventory/connectors/{connectorId}/syncs',
      '/v1/sites/{siteId}/inventory/custom-fields',
      '/v1/sites/{siteId}/inventory/custom-fields/{kind}/{name}',
      '/v1/sites/{siteId}/inventory/discovery-settings',
      '/v1/sites/{siteId}/inventory/entities',
      '/v1/sites/{siteId}/inventory/entities/{entityId}',
      '/v1/sites/{siteId}/inventory/entities/{entityId}/diff',
      '/v1/sites/{siteId}/inventory/entities/{entityId}/grants',
      '/v1/sites/{siteId}/inventory/entities/{entityId}/grants/{grantId}',
      '/v1/sites/{siteId}/inventory/entities/{entityId}/history',
      '/v1/sites/{siteId}/inventory/entities/{entityId}/restore',
      '/v1/sites/{siteId}/inventory/import',
      '/v1/sites/{siteId}/inventory/options',
      '/v1/sites/{siteId}/inventory/options/{list}',
      '/v1/sites/{siteId}/inventory/relations',
      '/v1/sites/{siteId}/inventory/relations/batch',
      '/v1/sites/{siteId}/inventory/relations/{relationId}',
      '/v1/sites/{siteId}/projection/quarantine',
      '/v1/sites/{siteId}/projection/retry',
      '/v1/sites/{siteId}/resource-bundles',
      '/v1/sites/{siteId}/resource-bundles/{resourceId}',
      '/v1/sites/{siteId}/resource-bundles/{resourceId}/status-history',
      '/v1/sites/{siteId}/resource-settings',
      '/v1/sites/{siteId}/resources',
      '/v1/sites/{siteId}/resources/{resourceId}',
      '/v1/sites/{siteId}/resources/{resourceId}/status-history',
      '/v1/sites/{siteId}/restore',
      '/v1/sites/{siteId}/rules',
      '/v1/sites/{siteId}/rules/backtest',
      '/v1/sites/{siteId}/rules/{ruleId}',
      '/v1/sites/{siteId}/rules/{ruleId}/triggers',
      '/v1/sites/{siteId}/rules/{ruleId}/versions',
      '/v1/sites/{siteId}/runs',
      '/v1/sites/{siteId}/runs/{runId}',
      '/v1/sites/{siteId}/runs/{runId}/archive',
      '/v1/sites/{siteId}/runs/{runId}/cancel',
      '/v1/sites/{siteId}/runs/{runId}/files/{agentId}/{index}',
      '/v1/sites/{siteId}/runs/{runId}/logs',
      '/v1/sites/{siteId}/runs/{runId}/rerun',
      '/v1/sites/{siteId}/schedules',
      '/v1/sites/{siteId}/schedules/{scheduleId}',
      '/v1/sites/{siteId}/schedules/{scheduleId}/pause',
      '/v1/sites/{siteId}/schedules/{scheduleId}/resume',
      '/v1/sites/{siteId}/silences',
      '/v1/sites/{siteId}/silences/{silenceId}',
      '/v1/sites/{siteId}/status',
      '/v1/sites/{siteId}/targets/preview',
      '/v1/sites/{siteId}/tasks',
      '/v1/sites/{siteId}/tasks/{taskId}',
      '/v1/sites/{siteId}/tasks/{taskId}/clone',
      '/v1/sites/{siteId}/tasks/{taskId}/runs',
      '/v1/sites/{siteId}/tasks/{taskId}/versions',
      '/v1/teams',
      '/v1/teams/{id}',
      '/v1/teams/{id}/members/{userId}',
      '/v1/users',
      '/v1/users/{id}',
      '/v1/users/{id}/password-reset',
    ])
    const create = spec.paths['/v1/sites']?.post
    expect(create?.summary).toBe('Create a site')
    expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '401', '403']))
    expect(JSON.stringify(create?.requestBody)).toContain('"name"')
    // Slack's endpoint is signed by Slack, not called with an API key.
    expect(spec.paths['/v1/chatops/slack/{tenantId}/commands']?.post).toMatchObject({
      tags: ['Chat-ops'],
      security: [],
    })
  })

  it('serves the API reference page', async () => {
    const response = await anonymous('/v1/docs')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/text\/html/)
  })

  it('refuses bootstrap without the deployment token, and once a tenant exists', async () => {
    await newTenant()
    const send = (token: string) =>
      anonymous('/v1/bootstrap', {
        method: 'POST',
        json: { domain: 'example.com' },
        headers: { authorization: `Bearer ${token}` },
      })
    await expectError(await send('wrong'), 401, 'invalid_credentials')
    await expectError(await send('test-bootstrap-token'), 409, 'already_bootstrapped')
  })

  it('recovers an admin key only with the deployment token, for a tenant that exists', async () => {
    const { tenant_id: tenantId } = await newTenant()
    const recover = (token: string, tenant: string) =>
      anonymous('/v1/bootstrap/recover-admin', {
        method: 'POST',
        json: { tenant_id: tenant },
        headers: { authorization: `Bearer ${token}` },
      })
    await expectError(await recover('wrong', tenantId), 401, 'invalid_credentials')
    await expectError(await recover('test-bootstrap-token', '01M952YWS02HQEAYSRMJCCY1QW'), 404, 'not_found')
    const response = await recover('test-bootstrap-token', tenantId)
    expect(response.status).toBe(201)
    const { api_key } = (await response.json()) as { api_key: string }
    const me = await client(api_key)('/v1/auth/me')
    expect(await me.json()).toMatchObject({ tenant_id: tenantId, role: 'admin' })
  })
})
