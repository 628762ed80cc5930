import type { StepDraft } from '../../api/types'
import { ParsedField } from '../../ui/parsed-field'
import { blankStep, linesToRecord, optionalNumber, recordToLines, type StepKind, stepKind } from './drafts'

const KINDS: { kind: StepKind; label: string }[] = [
  { kind: 'script', label: 'Script' },
  { kind: 'push', label: 'Push a file' },
  { kind: 'fetch', label: 'Fetch a file' },
  { kind: 'http', label: 'HTTP call' },
]

/** One step's form: the fields every step has, then those of its kind. */
export const StepEditor = (props: {
  step: StepDraft
  index: number
  count: number
  onChange: (step: StepDraft) => void
  onMove: (by: -1 | 1) => void
  onRemove: () => void
}) => {
  const { step, index } = props
  const set = (changes: Partial<StepDraft>) => props.onChange({ ...step, ...changes } as StepDraft)
  return (
    <fieldset class="card step">
      <legend>
        Step {index + 1}
        {step.name ? `: ${step.name}` : ''}
      </legend>
      <div class="form-row">
        <label class="field field-narrow">
          <span>Kind</span>
          <select
            value={stepKind(step)}
            onChange={(e) =>
              props.onChange(
                blankStep(e.currentTarget.value as StepKind, {
                  name: step.name,
                  timeout_seconds: step.timeout_seconds,
                  retries: step.retries,
                }),
              )
            }
          >
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Step name</span>
          <input value={step.name ?? ''} onInput={(e) => set({ name: e.currentTarget.value || undefined })} />
        </label>
        <label class="field field-narrow">
          <span>Timeout (s)</span>
          <input
            type="number"
            min="1"
            placeholder="3600"
            value={step.timeout_seconds ?? ''}
            onInput={(e) => set({ timeout_seconds: optionalNumber(e.currentTarget.value) })}
          />
        </label>
        <label class="field field-narrow">
          <span>Retries</span>
          <input
            type="number"
            min="0"
            max="10"
            value={step.retries?.max ?? 0}
            onInput={(e) =>
              set({
                retries: {
                  max: Number(e.currentTarget.value),
                  backoff_seconds: step.retries?.backoff_seconds ?? 5,
                },
              })
            }
          />
        </label>
      </div>
      <KindFields step={step} onChange={props.onChange} />
      <div class="form-actions">
        <button
          type="button"
          class="button button-small"
          disabled={index === 0}
          onClick={() => props.onMove(-1)}
        >
          Move up
        </button>
        <button
          type="button"
          class="button button-small"
          disabled={index === props.count - 1}
          onClick={() => props.onMove(1)}
        >
          Move down
        </button>
        <button
          type="button"
          class="button button-small button-danger"
          disabled={props.count === 1}
          onClick={props.onRemove}
        >
          Remove step
        </button>
      </div>
    </fieldset>
  )
}

const KindFields = ({ step, onChange }: { step: StepDraft; onChange: (step: StepDraft) => void }) => {
  if (step.kind === 'script')
    return (
      <>
        <div class="form-row">
          <label class="field field-narrow">
            <span>Interpreter</span>
            <select
              value={step.interpreter ?? 'sh'}
              onChange={(e) =>
                onChange({ ...step, interpreter: e.currentTarget.value as typeof step.interpreter })
              }
            >
              {['sh', 'bash', 'python3', 'node', 'pwsh'].map((i) => (
                <option key={i}>{i}</option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Working directory</span>
            <input
              placeholder="/srv/app"
              value={step.cwd ?? ''}
              onInput={(e) => onChange({ ...step, cwd: e.currentTarget.value || undefined })}
            />
          </label>
          <label class="field field-narrow">
            <span>Run as</span>
            <input
              value={step.run_as ?? ''}
              onInput={(e) => onChange({ ...step, run_as: e.currentTarget.value || undefined })}
            />
          </label>
        </div>
        <label class="field">
          <span>Script</span>
          <textarea
            rows={6}
            spellcheck={false}
            placeholder="systemctl restart {{ params.unit }}"
            value={step.body}
            onInput={(e) => onChange({ ...step, body: e.currentTarget.value })}
          />
        </label>
        <div class="form-row">
          <ParsedField
            rows={2}
            label="Arguments (one a line)"
            value={step.args ?? []}
            format={(args) => args.join('\n')}
            parse={(text) => text.split('\n').filter(Boolean)}
            onChange={(args) => onChange({ ...step, args })}
          />
          <ParsedField
            rows={2}
            label="Environment (NAME=value a line)"
            value={step.env ?? {}}
            format={(env) => recordToLines(env)}
            parse={(text) => linesToRecord(text)}
            onChange={(env) => onChange({ ...step, env })}
          />
        </div>
      </>
    )
  if (step.kind === 'file' && step.direction === 'push')
    return (
      <div class="form-row">
        <label class="field">
          <span>File id (from the Files tab)</span>
          <input
            value={step.file_id}
            onInput={(e) => onChange({ ...step, file_id: e.currentTarget.value.trim() })}
          />
        </label>
        <label class="field">
          <span>Path on the agent</span>
          <input
            placeholder="/etc/app/config.yml"
            value={step.path}
            onInput={(e) => onChange({ ...step, path: e.currentTarget.value })}
          />
        </label>
        <label class="field field-narrow">
          <span>Mode</span>
          <input
            value={step.mode ?? '0644'}
            onInput={(e) => onChange({ ...step, mode: e.currentTarget.value })}
          />
        </label>
        <label class="field field-narrow">
          <span>Owner</span>
          <input
            value={step.owner ?? ''}
            onInput={(e) => onChange({ ...step, owner: e.currentTarget.value || undefined })}
          />
        </label>
      </div>
    )
  if (step.kind === 'file')
    return (
      <label class="field">
        <span>Path to fetch from each agent</span>
        <input
          placeholder="/var/log/app.log"
          value={step.path}
          onInput={(e) => onChange({ ...step, path: e.currentTarget.value })}
        />
      </label>
    )
  return (
    <>
      <div class="form-row">
        <label class="field field-narrow">
          <span>Method</span>
          <select
            value={step.method ?? 'GET'}
            onChange={(e) => onChange({ ...step, method: e.currentTarget.value as typeof step.method })}
          >
            {['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>URL</span>
          <input
            placeholder="http://127.0.0.1:8080/health"
            value={step.url}
            onInput={(e) => onChange({ ...step, url: e.currentTarget.value })}
          />
        </label>
        <ParsedField
          class="field-narrow"
          label="Expected status"
          value={step.expect_status ?? [200]}
          format={(codes) => codes.join(', ')}
          parse={(text) =>
            text
              .split(/[\s,]+/)
              .filter(Boolean)
              .map(Number)
          }
          onChange={(expect_status) => onChange({ ...step, expect_status })}
        />
      </div>
      <div class="form-row">
        <ParsedField
          rows={2}
          label="Headers (Name: value a line)"
          value={step.headers ?? {}}
          format={(headers) => recordToLines(headers, ':')}
          parse={(text) => linesToRecord(text, ':')}
          onChange={(headers) => onChange({ ...step, headers })}
        />
        <label class="field">
          <span>Body</span>
          <textarea
            rows={2}
            value={step.body ?? ''}
            onInput={(e) => onChange({ ...step, body: e.currentTarget.value || undefined })}
          />
        </label>
      </div>
    </>
  )
}
