/**
 * What matching alerts against rules costs: 1,000 rules of the shapes operators write,
 * compiled (checked, then parsed) one by one, then every rule evaluated against each of
 * 10,000 alerts, in batches of 100 alerts (100,000 evaluations), until all are done or the
 * time budget (`--seconds`, default 30) runs out. Usage: `npx tsx bench/rules/cel-eval.ts`.
 */
import { performance } from 'node:perf_hooks'
import type { RuleContext } from '../../schema/rules/rule-context'
import { compileRuleExpression, type RuleMatcher } from '../../worker/rules/rule-expression'
import { describeMachine } from '../lib/machine'
import { round, summarize } from '../lib/stats'
import { formatTable } from '../lib/table'

const RULES = 1_000
const ALERTS = 10_000
const ALERTS_PER_BATCH = 100
const secondsArg = process.argv.indexOf('--seconds')
const budgetMs = 1000 * (secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 30)

const services = ['api', 'web', 'db', 'queue', 'cache', 'auth', 'search', 'billing']
const names = ['HighLatency', 'DiskFull', 'DiskWillFillIn4h', 'InstanceDown', 'HighErrorRate', 'CertExpiring']
const severities = ['critical', 'high', 'warning', 'info', 'low'] as const
const transitions = ['fired', 'resolved', 'refired'] as const
const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T

/** Six shapes, cycled, each with its own constants so no two rules are the same text. */
const ruleSource = (i: number) => {
  const service = `${pick(services, i)}`
  switch (i % 6) {
    case 0:
      return `alert.severity == "critical" && "service" in alert.labels && alert.labels.service == "${service}"`
    case 1:
      return `"instance" in alert.labels && alert.labels.instance.startsWith("${service}-${i % 40}")`
    case 2:
      return `transition == "fired" && alert.name.matches("^${pick(names, i)}") && alert.episode == 1`
    case 3:
      return `alert.source == "alertmanager" && alert.severity in ["critical", "high"] && !alert.silenced && "team" in alert.labels && alert.labels.team == "team-${i % 25}"`
    case 4:
      return `transition != "resolved" && "env" in alert.labels && alert.labels.env == "prod" && alert.name == "${pick(names, i)}"`
    default:
      return `alert.labels.exists(k, k.startsWith("k8s_")) || ("summary" in alert.annotations && alert.annotations.summary.contains("${service}"))`
  }
}

const alertContext = (i: number): RuleContext => {
  const service = pick(services, i * 7)
  const labels: Record<string, string> = {
    alertname: pick(names, i),
    instance: `${service}-${i % 50}`,
    service,
    job: `${service}-exporter`,
  }
  if (i % 2) labels.env = i % 4 === 1 ? 'prod' : 'staging'
  if (i % 3) labels.team = `team-${i % 25}`
  if (i % 10 === 0) labels.k8s_namespace = 'default'
  return {
    alert: {
      fingerprint: i.toString(16).padStart(16, '0'),
      name: pick(names, i),
      summary: `${pick(names, i)} on ${labels.instance}`,
      status: i % 5 === 0 ? 'resolved' : 'firing',
      severity: pick(severities, i),
      labels,
      annotations: {
        summary: `${pick(names, i)} on ${service}`,
        runbook_url: `https://runbooks.example/${i % 9}`,
      },
      source: i % 4 === 0 ? 'grafana' : 'alertmanager',
      integration_id: `01J00000000000000000INTEG${i % 4}`,
      starts_at: new Date(Date.UTC(2026, 11, 6) + i * 1000).toISOString(),
      silenced: i % 17 === 0,
      episode: 1 + (i % 3),
    },
    transition: pick(transitions, i),
  }
}

const compileMicros: number[] = []
const rules: RuleMatcher[] = []
for (let i = 0; i < RULES; i++) {
  const source = ruleSource(i)
  const start = performance.now()
  rules.push(compileRuleExpression(source))
  compileMicros.push((performance.now() - start) * 1000)
}

const alerts = Array.from({ length: ALERTS }, (_, i) => alertContext(i))
let matched = 0
let failed = 0
const evaluateAll = (contexts: readonly RuleContext[]) => {
  for (const context of contexts) {
    for (const rule of rules) {
      try {
        if (rule(context)) matched++
      } catch {
        failed++
      }
    }
  }
}

// One batch on a copy of the first alerts first, so the figures are of warmed-up code.
evaluateAll(alerts.slice(0, ALERTS_PER_BATCH).map((context) => structuredClone(context)))
matched = 0
failed = 0

const batchMicros: number[] = []
const began = performance.now()
for (let first = 0; first < ALERTS && performance.now() - began < budgetMs; first += ALERTS_PER_BATCH) {
  const start = performance.now()
  evaluateAll(alerts.slice(first, first + ALERTS_PER_BATCH))
  batchMicros.push(((performance.now() - start) * 1000) / (ALERTS_PER_BATCH * RULES))
}
const evaluations = batchMicros.length * ALERTS_PER_BATCH * RULES

const compile = summarize(compileMicros)
const evaluate = summarize(batchMicros)
console.log(JSON.stringify(describeMachine()))
console.log(
  formatTable(
    ['µs', 'median', 'p99', 'max', 'samples'],
    [
      [
        'compile, per rule (check + parse)',
        round(compile.p50),
        round(compile.p99),
        round(compile.max),
        compile.count,
      ],
      [
        'evaluate, per (rule, alert), per batch',
        round(evaluate.p50),
        round(evaluate.p99),
        round(evaluate.max),
        evaluate.count,
      ],
    ],
  ),
)
console.log(
  `${evaluations.toLocaleString('en-US')} evaluations (${batchMicros.length} of ${ALERTS / ALERTS_PER_BATCH} batches) ` +
    `in ${round((performance.now() - began) / 1000)} s: ${matched.toLocaleString('en-US')} matched, ` +
    `${failed.toLocaleString('en-US')} failed`,
)
