import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { BacktestResult, Rule, RuleDraft, Site } from '../../api/types'
import { ActionForm } from '../../ui/action-form'
import { ErrorNotice } from '../../ui/feedback'
import { formatLabels, parseLabels } from '../../ui/labels-input'
import { useAction } from '../../ui/use-action'
import { useKeyedList } from '../../ui/use-keyed-list'
import { useLoad } from '../../ui/use-load'
import { BacktestResults, backtest, lastDay } from './backtest'
import { type ExpressionError, ExpressionProblem, expressionErrorOf } from './expression-error'

type Transition = RuleDraft['on'] extends (infer T)[] | undefined ? T : never
const TRANSITIONS: { value: Transition; label: string }[] = [
  { value: 'fired', label: 'fired (first episode)' },
  { value: 'refired', label: 'refired (a new episode)' },
  { value: 'resolved', label: 'resolved' },
]

type ActionKind = RuleDraft['action']['kind']

interface ParamRow {
  name: string
  value: string
}

/**
 * A rule, new or as a new version: its CEL expression over `alert` and `transition`, the
 * transitions it looks at, what it does (run a task with templated parameters, or resolve),
 * its throttle, and whether it is on. A refused expression shows where, beside the field.
 */
export const RuleForm = (props: {
  site: Site
  rule?: Rule
  onSaved: (rule: Rule) => void
  onCancel: () => void
}) => {
  const { rule, site } = props
  const tasks = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/tasks', {
          params: { path: { siteId: site.id }, query: { limit: 1000 } },
        }),
      ),
    [site.id],
  )
  const runTask = rule?.action.kind === 'run_task' ? rule.action : undefined
  const [name, setName] = useState(rule?.name ?? '')
  const [expression, setExpression] = useState(rule?.expression ?? 'alert.severity == "critical"')
  const [on, setOn] = useState<Transition[]>(rule?.on ?? ['fired', 'refired'])
  const notify = rule?.action.kind === 'notify' ? rule.action : undefined
  const [kind, setKind] = useState<ActionKind>(rule?.action.kind ?? 'run_task')
  const [notifyUrl, setNotifyUrl] = useState(notify?.url ?? '')
  const [notifyFormat, setNotifyFormat] = useState<'json' | 'slack'>(notify?.format ?? 'slack')
  const [notifyText, setNotifyText] = useState(
    notify?.text ?? '[{{ alert.severity }}] {{ alert.name }}: {{ alert.summary }}',
  )
  const [taskId, setTaskId] = useState(runTask?.task_id ?? '')
  const params = useKeyedList<ParamRow>(
    Object.entries(runTask?.params ?? {}).map(([key, value]) => ({ name: key, value: String(value) })),
  )
  const [targetLabel, setTargetLabel] = useState(runTask?.target_label ?? '')
  const [targetLabels, setTargetLabels] = useState(formatLabels(runTask?.target?.labels ?? {}))
  const [ruleSeconds, setRuleSeconds] = useState(String(rule?.throttle.rule_seconds ?? 0))
  const [fingerprintSeconds, setFingerprintSeconds] = useState(
    String(rule?.throttle.fingerprint_seconds ?? 300),
  )
  const [enabled, setEnabled] = useState(rule?.enabled ?? true)
  const [expressionError, setExpressionError] = useState<ExpressionError | null>(null)
  const trial = useAction()
  const [trialResult, setTrialResult] = useState<BacktestResult | null>(null)
  const chosenTask = taskId || tasks.data?.items[0]?.id || ''

  const definition = (): RuleDraft => {
    const labels = parseLabels(targetLabels)
    // What the form does not edit (how the run goes, agents named other than by labels) stays as it was.
    const { labels: _labels, ...otherTarget } = runTask?.target ?? {}
    const target = { ...otherTarget, ...(Object.keys(labels).length > 0 ? { labels } : {}) }
    const typed = (name: string, text: string) => {
      const before = runTask?.params[name]
      return before !== undefined && typeof before !== 'string' && String(before) === text ? before : text
    }
    return {
      name,
      expression,
      on,
      action:
        kind === 'resolve'
          ? { kind: 'resolve' }
          : kind === 'notify'
            ? { kind: 'notify', url: notifyUrl, format: notifyFormat, text: notifyText }
            : {
                kind: 'run_task',
                task_id: chosenTask,
                params: Object.fromEntries(
                  params.values
                    .filter((p) => p.name.trim())
                    .map((p) => [p.name.trim(), typed(p.name.trim(), p.value)]),
                ),
                ...(Object.keys(target).length > 0 ? { target } : {}),
                ...(targetLabel.trim() ? { target_label: targetLabel.trim() } : {}),
                ...(runTask
                  ? {
                      strategy: runTask.strategy,
                      failure: runTask.failure,
                      deadline_seconds: runTask.deadline_seconds,
                    }
                  : {}),
              },
      throttle: { rule_seconds: Number(ruleSeconds), fingerprint_seconds: Number(fingerprintSeconds) },
      enabled,
    }
  }

  return (
    <ActionForm
      label={rule ? `Edit ${rule.name}` : 'New rule'}
      layout="stacked"
      submitLabel={rule ? 'Save as a new version' : 'Create rule'}
      error={tasks.error}
      submit={async () => {
        setExpressionError(null)
        try {
          const body = definition()
          const saved = rule
            ? await ok(
                api.PATCH('/v1/sites/{siteId}/rules/{ruleId}', {
                  params: { path: { siteId: site.id, ruleId: rule.id } },
                  body,
                }),
              )
            : await ok(api.POST('/v1/sites/{siteId}/rules', { params: { path: { siteId: site.id } }, body }))
          props.onSaved(saved)
        } catch (failure) {
          const located = expressionErrorOf(failure)
          // An expression refused is shown beside the expression, not as a failed save.
          if (located) setExpressionError(located)
          else throw failure
        }
      }}
      buttons={
        <>
          {!rule && (
            <button
              type="button"
              class="button"
              disabled={trial.busy}
              onClick={() => {
                setExpressionError(null)
                setTrialResult(null)
                // The unsaved definition over the last 24 h, to see what it would do before it does it.
                void trial.run(async () => {
                  try {
                    setTrialResult(await backtest(site, { rule: definition(), ...lastDay() }))
                  } catch (failure) {
                    const located = expressionErrorOf(failure)
                    if (located) setExpressionError(located)
                    else throw failure
                  }
                })
              }}
            >
              {trial.busy ? 'Backtesting…' : 'Backtest this rule'}
            </button>
          )}
          <button type="button" class="button" onClick={props.onCancel}>
            Cancel
          </button>
        </>
      }
      after={
        !rule && (
          <>
            <ErrorNotice error={trial.error} />
            {trialResult && (
              <>
                <h3>Over the last 24 hours</h3>
                <BacktestResults result={trialResult} />
              </>
            )}
          </>
        )
      }
    >
      <div class="form-row">
        <label class="field">
          <span>Name</span>
          <input
            required
            placeholder="Restart on high latency"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          Enabled
        </label>
      </div>
      <label class="field">
        <span>Expression (CEL over alert and transition)</span>
        <textarea
          class="mono"
          rows={3}
          spellcheck={false}
          aria-invalid={expressionError ? 'true' : undefined}
          aria-describedby={expressionError ? 'expression-error' : undefined}
          value={expression}
          onInput={(e) => {
            setExpression(e.currentTarget.value)
            setExpressionError(null)
          }}
        />
      </label>
      {expressionError ? (
        <ExpressionProblem id="expression-error" expression={expression} error={expressionError} />
      ) : (
        <p class="small muted">
          For example{' '}
          <code>alert.labels.service == "api" &amp;&amp; alert.severity in ["critical", "high"]</code>
        </p>
      )}
      <fieldset class="inline-checks">
        <legend>When the alert</legend>
        {TRANSITIONS.map((t) => (
          <label class="checkbox" key={t.value}>
            <input
              type="checkbox"
              checked={on.includes(t.value)}
              onChange={(e) =>
                setOn(e.currentTarget.checked ? [...on, t.value] : on.filter((value) => value !== t.value))
              }
            />
            {t.label}
          </label>
        ))}
      </fieldset>
      <div class="form-row">
        <label class="field field-narrow">
          <span>Action</span>
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as ActionKind)}>
            <option value="run_task">run a task</option>
            <option value="notify">notify (Slack or a JSON endpoint)</option>
            <option value="resolve">resolve the alert</option>
          </select>
        </label>
        {kind === 'run_task' && (
          <label class="field">
            <span>Task</span>
            <select value={chosenTask} onChange={(e) => setTaskId(e.currentTarget.value)}>
              {tasks.data?.items.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {kind === 'run_task' && (
        <>
          <div class="form-row">
            <label class="field">
              <span>Target label (its value names the agent's hostname)</span>
              <input
                class="mono"
                placeholder="instance"
                value={targetLabel}
                onInput={(e) => setTargetLabel(e.currentTarget.value)}
              />
            </label>
            <label class="field">
              <span>Target agents by labels</span>
              <input
                placeholder="role=web"
                value={targetLabels}
                onInput={(e) => setTargetLabels(e.currentTarget.value)}
              />
            </label>
          </div>
          <fieldset class="params">
            <legend>Parameters (templates such as {'{{ alert.labels.instance }}'})</legend>
            {params.values.map((param, index) => (
              <fieldset
                class="form-row row-group"
                key={params.items[index]?.key}
                aria-label={`Parameter ${index + 1}`}
              >
                <label class="field">
                  <span>Name</span>
                  <input
                    class="mono"
                    value={param.name}
                    onInput={(e) => params.set(index, { ...param, name: e.currentTarget.value })}
                  />
                </label>
                <label class="field">
                  <span>Value</span>
                  <input
                    class="mono"
                    value={param.value}
                    onInput={(e) => params.set(index, { ...param, value: e.currentTarget.value })}
                  />
                </label>
                <button type="button" class="button button-small" onClick={() => params.remove(index)}>
                  Remove
                </button>
              </fieldset>
            ))}
            <button
              type="button"
              class="button button-small"
              onClick={() => params.add({ name: '', value: '' })}
            >
              Add parameter
            </button>
          </fieldset>
        </>
      )}
      {kind === 'notify' && (
        <>
          <div class="form-row">
            <label class="field">
              <span>Post to (URL)</span>
              <input
                type="url"
                class="mono"
                placeholder="https://hooks.slack.com/services/…"
                value={notifyUrl}
                onInput={(e) => setNotifyUrl(e.currentTarget.value)}
              />
            </label>
            <label class="field field-narrow">
              <span>As</span>
              <select
                value={notifyFormat}
                onChange={(e) => setNotifyFormat(e.currentTarget.value as 'json' | 'slack')}
              >
                <option value="slack">a Slack message</option>
                <option value="json">JSON with the alert</option>
              </select>
            </label>
          </div>
          <label class="field">
            <span>Text (a template over the alert)</span>
            <input class="mono" value={notifyText} onInput={(e) => setNotifyText(e.currentTarget.value)} />
          </label>
        </>
      )}
      <div class="form-row">
        <label class="field field-narrow">
          <span>At most once per rule every (s)</span>
          <input
            type="number"
            min="0"
            value={ruleSeconds}
            onInput={(e) => setRuleSeconds(e.currentTarget.value)}
          />
        </label>
        <label class="field field-narrow">
          <span>At most once per alert every (s)</span>
          <input
            type="number"
            min="0"
            value={fingerprintSeconds}
            onInput={(e) => setFingerprintSeconds(e.currentTarget.value)}
          />
        </label>
      </div>
    </ActionForm>
  )
}
