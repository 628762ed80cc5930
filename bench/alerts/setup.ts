import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAgent } from '../../test/e2e/agent-process'
import type { Platform } from '../runs/platform'
import { AlertsApi } from './alerts-api'
import { idleExpression, MATCHING_EXPRESSION } from './deliveries'
import type { AlertsPlan } from './plan'
import type { Target } from './rows'

/** A site that takes Alertmanager deliveries, with `rules` rules of which one matches. */
export interface AlertsSite extends Target {
  integrationId: string
  ruleId: string
  taskId: string
  rules: number
}

export interface AlertsSetup {
  api: AlertsApi
  alerts: AlertsSite
  /** Sites with fewer rules, for what one delivery costs as the rules grow. */
  fewerRules: AlertsSite[]
  plain: Target
  /** This machine's hostname: the enrolled agent's, which the matching alert names. */
  host: string
  setupSeconds: number
}

/** Runs `work` on every item, `width` at a time. */
const inParallel = async <T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T)
    }),
  )
}

/**
 * One site: an Alertmanager integration, a one-step task whose runs may go alongside each
 * other, a real agent enrolled with the agent CLI but never started (so a rule's
 * `target_label` resolves to it and runs wait for it, costing nothing to execute), and
 * `rules` rules: `rules - 1` that never match the bench's alerts, then the one that does.
 */
export const alertsSite = async (api: AlertsApi, rules: number, plan: AlertsPlan): Promise<AlertsSite> => {
  const siteId = await api.createSite(`bench alerts, ${rules} rules`)
  const stateDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-alerts-agent-'))
  try {
    const token = await api.createEnrolmentToken(siteId, 1)
    const enrol = runAgent(['enrol', token, '--state-dir', stateDir])
    const code = await enrol.exited
    if (code !== 0) throw new Error(`the agent's enrolment exited ${code}: ${enrol.text().slice(-500)}`)
  } finally {
    rmSync(stateDir, { recursive: true, force: true })
  }
  const integration = await api.createIntegration(siteId)
  const taskId = await api.createTask(siteId, {
    name: 'bench remediation',
    concurrency: 'allow',
    steps: [{ kind: 'script', name: 'noop', body: 'true' }],
  })
  const action = {
    kind: 'run_task',
    task_id: taskId,
    params: {},
    target_label: 'instance',
    deadline_seconds: plan.deadlineSeconds,
  }
  const idle = Array.from({ length: rules - 1 }, (_, n) => n + 1)
  await inParallel(idle, 8, async (n) => {
    await api.createRule(siteId, { name: `idle ${n}`, expression: idleExpression(n), action })
  })
  const ruleId = await api.createRule(siteId, {
    name: 'restart node exporter',
    expression: MATCHING_EXPRESSION,
    action,
    throttle: { rule_seconds: 0, fingerprint_seconds: 0 },
  })
  return {
    siteId,
    path: integration.hook_path,
    authorization: `Bearer ${integration.secret}`,
    integrationId: integration.id,
    ruleId,
    taskId,
    rules,
  }
}

/** The site under load (1,000 rules), smaller ones for the serial sweep, and the plain events' site. */
export const setUp = async (platform: Platform, plan: AlertsPlan): Promise<AlertsSetup> => {
  const began = performance.now()
  const api = new AlertsApi(platform.url, platform.adminKey)
  const alerts = await alertsSite(api, plan.rules, plan)
  const fewerRules: AlertsSite[] = []
  for (const rules of plan.serialRuleCounts) fewerRules.push(await alertsSite(api, rules, plan))
  const plainSiteId = await api.createSite('bench plain events')
  return {
    api,
    alerts,
    fewerRules,
    plain: {
      siteId: plainSiteId,
      path: `/v1/sites/${plainSiteId}/events`,
      authorization: `Bearer ${platform.adminKey}`,
    },
    host: hostname(),
    setupSeconds: (performance.now() - began) / 1000,
  }
}
