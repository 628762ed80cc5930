import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { ParamDraft, RunRequest, Site, Target, Task } from '../../api/types'
import { navigate } from '../../app/router'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { parseLabels } from '../../ui/labels-input'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { TargetPreview } from './target-preview'

/** `/sites/:siteId/tasks/:taskId/run`: choose agents, parameters and strategy, then start. */
export const RunRequestScreen = ({ siteId, taskId }: { siteId: string; taskId: string }) => {
  const task = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/tasks/{taskId}', { params: { path: { siteId, taskId } } })),
    [siteId, taskId],
  )
  return (
    <SiteFrame siteId={siteId} tab="tasks" title={task.data ? `Run ${task.data.name}` : 'Run a task'}>
      {(site) =>
        task.error ? (
          <ErrorNotice error={task.error} />
        ) : task.data ? (
          <RunForm site={site} task={task.data} />
        ) : (
          <Loading what="the task" />
        )
      }
    </SiteFrame>
  )
}

interface TargetDraft {
  agentIds: string
  labels: string
  osFamily: string
  arch: string
  hostname: string
}

/** Only the parts of the target the operator filled in. */
const targetOf = (draft: TargetDraft): Target => {
  const ids = draft.agentIds.split(/[\s,]+/).filter(Boolean)
  const labels = parseLabels(draft.labels)
  return {
    ...(ids.length > 0 ? { agent_ids: ids } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(draft.osFamily ? { os_family: draft.osFamily } : {}),
    ...(draft.arch ? { arch: draft.arch } : {}),
    ...(draft.hostname ? { hostname: draft.hostname } : {}),
  }
}

const initialParam = (param: ParamDraft) => (param.default === undefined ? '' : String(param.default))

const typedParam = (param: ParamDraft, text: string) =>
  param.type === 'number' ? Number(text) : param.type === 'boolean' ? text === 'true' : text

const RunForm = ({ site, task }: { site: Site; task: Task }) => {
  const [target, setTarget] = useState<TargetDraft>({
    agentIds: '',
    labels: '',
    osFamily: '',
    arch: '',
    hostname: '',
  })
  const [params, setParams] = useState<Record<string, string>>(() =>
    Object.fromEntries(task.params.map((p) => [p.name, initialParam(p)])),
  )
  const [mode, setMode] = useState<'parallel' | 'rolling'>('parallel')
  const [concurrency, setConcurrency] = useState('1000')
  const [batch, setBatch] = useState('25%')
  const [policy, setPolicy] = useState<'continue' | 'stop' | 'budget'>('continue')
  const [budget, setBudget] = useState('10%')
  const start = useAction()
  const countOrPercent = (text: string) => (text.trim().endsWith('%') ? text.trim() : Number(text))
  const request = (): RunRequest => ({
    target: targetOf(target),
    params: Object.fromEntries(
      task.params
        .filter((p) => params[p.name] !== '')
        .map((p) => [p.name, typedParam(p, params[p.name] ?? '')]),
    ),
    strategy:
      mode === 'parallel'
        ? { mode, concurrency: Number(concurrency) }
        : { mode, batch: countOrPercent(batch) },
    failure: policy === 'budget' ? { policy, budget: countOrPercent(budget) } : { policy },
  })
  const field = (name: keyof TargetDraft, label: string, placeholder: string) => (
    <label class="field">
      <span>{label}</span>
      <input
        name={name}
        placeholder={placeholder}
        value={target[name]}
        onInput={(e) => setTarget({ ...target, [name]: e.currentTarget.value })}
      />
    </label>
  )
  return (
    <form
      class="run-form"
      aria-label="Run"
      onSubmit={async (e) => {
        e.preventDefault()
        const run = await start.run(() =>
          ok(
            api.POST('/v1/sites/{siteId}/tasks/{taskId}/runs', {
              params: { path: { siteId: site.id, taskId: task.id } },
              body: request(),
            }),
          ),
        )
        if (run) navigate(`/sites/${site.id}/runs/${run.id}`)
      }}
    >
      <div class="form">
        <fieldset class="card">
          <legend>Target</legend>
          <p class="muted small">
            Agents must match every part given. Only approved agents are ever targeted.
          </p>
          <div class="form-row">
            {field('labels', 'Labels', 'role=web, env=prod')}
            {field('agentIds', 'Agent ids', 'ids, comma-separated')}
          </div>
          <div class="form-row">
            {field('osFamily', 'OS family', 'linux')}
            {field('arch', 'Architecture', 'x86_64')}
            {field('hostname', 'Hostname', 'web-1')}
          </div>
        </fieldset>
        {task.params.length > 0 && (
          <fieldset class="card">
            <legend>Parameters</legend>
            <div class="form-row">
              {task.params.map((p) => (
                // biome-ignore lint/a11y/noLabelWithoutControl: the control is the select or the input below, by type.
                <label class="field" key={p.name}>
                  <span>
                    {p.name}
                    {p.required ? ' (required)' : ''}
                  </span>
                  {p.type === 'boolean' || p.choices ? (
                    <select
                      value={params[p.name]}
                      onChange={(e) => setParams({ ...params, [p.name]: e.currentTarget.value })}
                    >
                      {!p.required && <option value="">—</option>}
                      {(p.type === 'boolean' ? ['true', 'false'] : (p.choices ?? []).map(String)).map((c) => (
                        <option key={c}>{c}</option>
                      ))}
                    </select>
                  ) : (
                    <input
                      name={`param-${p.name}`}
                      inputMode={p.type === 'number' ? 'decimal' : 'text'}
                      required={p.required}
                      value={params[p.name]}
                      onInput={(e) => setParams({ ...params, [p.name]: e.currentTarget.value })}
                    />
                  )}
                  {p.description && <small class="muted">{p.description}</small>}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <fieldset class="card">
          <legend>Strategy</legend>
          <div class="form-row">
            <label class="field field-narrow">
              <span>Mode</span>
              <select value={mode} onChange={(e) => setMode(e.currentTarget.value as typeof mode)}>
                <option value="parallel">parallel</option>
                <option value="rolling">rolling</option>
              </select>
            </label>
            {mode === 'parallel' ? (
              <label class="field field-narrow">
                <span>At most at once</span>
                <input
                  inputMode="numeric"
                  value={concurrency}
                  onInput={(e) => setConcurrency(e.currentTarget.value)}
                />
              </label>
            ) : (
              <label class="field field-narrow">
                <span>Batch (count or %)</span>
                <input value={batch} onInput={(e) => setBatch(e.currentTarget.value)} />
              </label>
            )}
            <label class="field field-narrow">
              <span>On failure</span>
              <select value={policy} onChange={(e) => setPolicy(e.currentTarget.value as typeof policy)}>
                <option value="continue">continue</option>
                <option value="stop">stop</option>
                <option value="budget">failure budget</option>
              </select>
            </label>
            {policy === 'budget' && (
              <label class="field field-narrow">
                <span>Budget (count or %)</span>
                <input value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
              </label>
            )}
          </div>
        </fieldset>
        <ErrorNotice error={start.error} />
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={start.busy}>
            Start run
          </button>
        </div>
      </div>
      <TargetPreview siteId={site.id} target={targetOf(target)} />
    </form>
  )
}
