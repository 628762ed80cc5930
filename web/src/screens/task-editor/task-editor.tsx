import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Site, StepDraft, Task, TaskDefinition } from '../../api/types'
import { Link, navigate } from '../../app/router'
import { can } from '../../session/session'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { formatLabels, parseLabels } from '../../ui/labels-input'
import { ParsedField } from '../../ui/parsed-field'
import { useAction } from '../../ui/use-action'
import { useKeyedList } from '../../ui/use-keyed-list'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { blankStep } from './drafts'
import { ParamsEditor } from './params-editor'
import { StepEditor } from './step-editor'

const NEW_TASK: TaskDefinition = {
  name: '',
  description: '',
  labels: {},
  params: [],
  steps: [blankStep('script')],
  concurrency: 'queue',
}

const definitionOf = (task: Task): TaskDefinition => ({
  name: task.name,
  description: task.description,
  labels: task.labels,
  params: task.params,
  steps: task.steps as StepDraft[],
  concurrency: task.concurrency,
})

/** `/sites/:siteId/tasks/new`: write a task. */
export const NewTaskScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="tasks" title="New task">
    {(site) => <TaskEditor site={site} initial={NEW_TASK} />}
  </SiteFrame>
)

/** `/sites/:siteId/tasks/:taskId`: a task; each save is a new version. */
export const TaskScreen = ({ siteId, taskId }: { siteId: string; taskId: string }) => {
  const task = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/tasks/{taskId}', { params: { path: { siteId, taskId } } })),
    [siteId, taskId],
  )
  return (
    <SiteFrame siteId={siteId} tab="tasks" title={task.data ? task.data.name : 'Task'}>
      {(site) =>
        task.error ? (
          <ErrorNotice error={task.error} />
        ) : !task.data ? (
          <Loading what="the task" />
        ) : (
          <TaskEditor
            key={task.data.version}
            site={site}
            task={task.data}
            initial={definitionOf(task.data)}
            onSaved={task.reload}
          />
        )
      }
    </SiteFrame>
  )
}

const TaskEditor = (props: { site: Site; task?: Task; initial: TaskDefinition; onSaved?: () => void }) => {
  const { site, task } = props
  const [draft, setDraft] = useState<TaskDefinition>(props.initial)
  const steps = useKeyedList(props.initial.steps)
  const params = useKeyedList(props.initial.params ?? [])
  const body = (): TaskDefinition => ({ ...draft, steps: steps.values, params: params.values })
  const save = useAction()
  const other = useAction()
  const writable = can('operator', site.id) && site.status === 'active'
  const taskPath = task && { siteId: site.id, taskId: task.id }
  return (
    <>
      {task && taskPath && (
        <div class="toolbar">
          <span class="muted">
            Version {task.version} · {task.steps.length} {task.steps.length === 1 ? 'step' : 'steps'}
          </span>
          <Link class="button" href={`/sites/${site.id}/tasks/${task.id}/history`}>
            History
          </Link>
          {writable && (
            <>
              <Link class="button button-primary" href={`/sites/${site.id}/tasks/${task.id}/run`}>
                Run…
              </Link>
              <button
                type="button"
                class="button"
                disabled={other.busy}
                onClick={async () => {
                  const copy = await other.run(() =>
                    ok(
                      api.POST('/v1/sites/{siteId}/tasks/{taskId}/clone', {
                        params: { path: taskPath },
                        body: { name: `${task.name} (copy)` },
                      }),
                    ),
                  )
                  if (copy) navigate(`/sites/${site.id}/tasks/${copy.id}`)
                }}
              >
                Clone
              </button>
              <button
                type="button"
                class="button button-danger"
                disabled={other.busy}
                onClick={async () => {
                  if (!confirm(`Delete the task “${task.name}”? Its runs stay in the history.`)) return
                  const done = await other.run(() =>
                    ok(api.DELETE('/v1/sites/{siteId}/tasks/{taskId}', { params: { path: taskPath } })),
                  )
                  if (done !== undefined) navigate(`/sites/${site.id}/tasks`)
                }}
              >
                Delete
              </button>
            </>
          )}
        </div>
      )}
      <ErrorNotice error={other.error} />
      <form
        class="form"
        aria-label="Task"
        onSubmit={async (e) => {
          e.preventDefault()
          const saved = await save.run(() =>
            task && taskPath
              ? ok(api.PUT('/v1/sites/{siteId}/tasks/{taskId}', { params: { path: taskPath }, body: body() }))
              : ok(
                  api.POST('/v1/sites/{siteId}/tasks', {
                    params: { path: { siteId: site.id } },
                    body: body(),
                  }),
                ),
          )
          if (!saved) return
          if (task) props.onSaved?.()
          else navigate(`/sites/${site.id}/tasks/${saved.id}`)
        }}
      >
        <fieldset class="card" disabled={!writable}>
          <legend>Task</legend>
          <div class="form-row">
            <label class="field">
              <span>Name</span>
              <input
                name="name"
                required
                value={draft.name}
                onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
              />
            </label>
            <label class="field field-narrow">
              <span>When already running</span>
              <select
                value={draft.concurrency ?? 'queue'}
                onChange={(e) =>
                  setDraft({ ...draft, concurrency: e.currentTarget.value as TaskDefinition['concurrency'] })
                }
              >
                <option value="queue">queue</option>
                <option value="skip">skip</option>
                <option value="allow">allow</option>
              </select>
            </label>
            <ParsedField
              label="Labels"
              value={draft.labels ?? {}}
              format={formatLabels}
              parse={parseLabels}
              onChange={(labels) => setDraft({ ...draft, labels })}
            />
          </div>
          <label class="field">
            <span>Description</span>
            <input
              value={draft.description ?? ''}
              onInput={(e) => setDraft({ ...draft, description: e.currentTarget.value })}
            />
          </label>
        </fieldset>
        <fieldset class="plain" disabled={!writable}>
          <ParamsEditor params={params} />
          {steps.items.map((item, index) => (
            <StepEditor
              key={item.key}
              step={item.value}
              index={index}
              count={steps.items.length}
              onChange={(next) => steps.set(index, next)}
              onRemove={() => steps.remove(index)}
              onMove={(by) => steps.move(index, by)}
            />
          ))}
          {writable && (
            <button type="button" class="button" onClick={() => steps.add(blankStep('script'))}>
              Add step
            </button>
          )}
        </fieldset>
        <ErrorNotice error={save.error} />
        {writable && (
          <div class="form-actions">
            <button type="submit" class="button button-primary" disabled={save.busy}>
              {task ? 'Save as a new version' : 'Create task'}
            </button>
          </div>
        )}
      </form>
    </>
  )
}
