import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { BacktestResult, Rule, RuleDraft, Site } from '../../api/types'
import { ActionForm } from '../../ui/action-form'
import { instant, localInput } from '../../ui/datetime'
import { EmptyState } from '../../ui/feedback'
import { Labels, Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { type ExpressionError, ExpressionProblem, expressionErrorOf } from './expression-error'

type Window = { since: string; until: string }

/**
 * The last 24 hours, as instants. `until` is the next whole minute, so that a `datetime-local`
 * field (to the minute) still holds what arrived this minute.
 */
export const lastDay = (): Window => {
  const until = new Date(Math.ceil(Date.now() / 60_000) * 60_000)
  return { since: new Date(until.getTime() - 86_400_000).toISOString(), until: until.toISOString() }
}

/** What the rule — as saved, as edited, or new — would have done over a window of recorded deliveries. */
export const backtest = (
  site: Site,
  body: Window & ({ rule_id: string; changes?: { expression: string } } | { rule: RuleDraft }),
) => ok(api.POST('/v1/sites/{siteId}/rules/backtest', { params: { path: { siteId: site.id } }, body }))

/**
 * A saved rule's backtest: a window (the last 24 h unless changed) and, to try a change
 * before saving it, another expression. A refused expression shows beside its field.
 */
export const BacktestPanel = ({ site, rule }: { site: Site; rule: Rule }) => {
  const [window] = useState(lastDay)
  const [since, setSince] = useState(localInput(new Date(window.since)))
  const [until, setUntil] = useState(localInput(new Date(window.until)))
  const [expression, setExpression] = useState(rule.expression)
  const [expressionError, setExpressionError] = useState<ExpressionError | null>(null)
  const [result, setResult] = useState<BacktestResult | null>(null)
  return (
    <ActionForm
      label="Backtest"
      layout="stacked"
      submitLabel="Run backtest"
      busyLabel="Running…"
      submit={async () => {
        setExpressionError(null)
        setResult(null)
        try {
          setResult(
            await backtest(site, {
              rule_id: rule.id,
              ...(expression !== rule.expression ? { changes: { expression } } : {}),
              since: instant(since) ?? window.since,
              until: instant(until) ?? window.until,
            }),
          )
        } catch (failure) {
          const located = expressionErrorOf(failure)
          if (located) setExpressionError(located)
          else throw failure
        }
      }}
      after={result && <BacktestResults result={result} />}
    >
      <p class="small muted">
        Plays the alerts delivered in the window through this rule; nothing is started.
      </p>
      <div class="form-row">
        <label class="field">
          <span>Since</span>
          <input
            type="datetime-local"
            required
            value={since}
            onInput={(e) => setSince(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Until</span>
          <input
            type="datetime-local"
            required
            value={until}
            onInput={(e) => setUntil(e.currentTarget.value)}
          />
        </label>
      </div>
      <label class="field">
        <span>Expression to try (the rule's unless changed)</span>
        <textarea
          class="mono"
          rows={2}
          spellcheck={false}
          aria-invalid={expressionError ? 'true' : undefined}
          aria-describedby={expressionError ? 'backtest-expression-error' : undefined}
          value={expression}
          onInput={(e) => {
            setExpression(e.currentTarget.value)
            setExpressionError(null)
          }}
        />
      </label>
      {expressionError && (
        <ExpressionProblem id="backtest-expression-error" expression={expression} error={expressionError} />
      )}
    </ActionForm>
  )
}

/** A backtest's figures, then each transition the rule matched and what it would have done. */
export const BacktestResults = ({ result }: { result: BacktestResult }) => (
  <section aria-label="Backtest result">
    <dl class="run-facts" aria-label="Backtest figures">
      <div>
        <dt>Deliveries</dt>
        <dd>{result.deliveries}</dd>
      </div>
      <div>
        <dt>Unreadable</dt>
        <dd>{result.unreadable}</dd>
      </div>
      <div>
        <dt>Transitions</dt>
        <dd>{result.transitions}</dd>
      </div>
      <div>
        <dt>Matches</dt>
        <dd>{result.matches.length}</dd>
      </div>
      <div>
        <dt>Would start</dt>
        <dd>{result.would_start}</dd>
      </div>
    </dl>
    {result.truncated && (
      <p class="notice">
        The window held more deliveries than one backtest reads; narrow it to see them all.
      </p>
    )}
    <ListTable
      label="Backtest matches"
      loading="matches"
      items={result.matches}
      rowKey={(m) => `${m.delivery_id}/${m.fingerprint}/${m.transition}`}
      empty={<EmptyState title="The rule matched no transition in the window" />}
      columns={[
        { header: 'At', cell: (m) => <Time at={m.at} /> },
        {
          header: 'Alert',
          cell: (m) => (
            <>
              {m.name} <Labels labels={m.labels} />
            </>
          ),
        },
        { header: 'Transition', cell: (m) => `${m.transition}, episode ${m.episode}` },
        { header: 'Outcome', cell: (m) => <Status value={m.outcome} /> },
        {
          header: 'Run or error',
          cell: (m) =>
            m.error ? (
              <span class="small danger-text">{m.error}</span>
            ) : m.run ? (
              <>
                {Object.entries(m.run.params).map(([k, v]) => (
                  <code key={k} class="chip">
                    {k}={String(v)}
                  </code>
                ))}{' '}
                <code class="small">{JSON.stringify(m.run.target)}</code>{' '}
                <span class="muted small">
                  {m.run.agents} {m.run.agents === 1 ? 'agent' : 'agents'} match now
                </span>
              </>
            ) : (
              <span class="muted">—</span>
            ),
        },
      ]}
    />
  </section>
)
