import type { ComponentChildren } from 'preact'
import { ErrorNotice } from './feedback'
import { useAction } from './use-action'

/**
 * A form whose submit is one write: `submit` runs when the form is sent, its button waits
 * while it is under way, and the error it ends with shows in the form's error panel (just
 * below a one-line form). `stacked` forms have a heading (their label), rows of fields, then
 * the panel and the buttons; `inline` forms are one line of fields and the button. `after`
 * shows below the buttons, such as a secret the write made.
 */
export const ActionForm = (props: {
  /** The form's accessible name, and a stacked form's heading unless `heading` is false. */
  label: string
  heading?: boolean
  layout: 'stacked' | 'inline'
  /** Drawn as a card; true unless told. */
  card?: boolean
  /** The submit button's text, and its text while the write is under way. */
  submitLabel: string
  busyLabel?: string
  /** The write; a failure it throws shows in the error panel. */
  submit: () => Promise<unknown>
  /** The submit button waits while this holds too (nothing to submit yet, a read-only object). */
  disabled?: boolean
  /** What keeps the form from working, such as a failed read of its choices; shown before the write's own error. */
  error?: unknown
  /** Buttons after the submit button (a stacked form's Cancel). */
  buttons?: ComponentChildren
  after?: ComponentChildren
  children: ComponentChildren
}) => {
  const action = useAction()
  const stacked = props.layout === 'stacked'
  const submit = (
    <button type="submit" class="button button-primary" disabled={action.busy || props.disabled}>
      {action.busy && props.busyLabel ? props.busyLabel : props.submitLabel}
    </button>
  )
  const form = (
    <form
      class={`${props.card === false ? '' : 'card '}${stacked ? 'form' : 'toolbar'}`}
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault()
        void action.run(props.submit)
      }}
    >
      {stacked && props.heading !== false && <h2>{props.label}</h2>}
      {props.children}
      {stacked ? (
        <>
          <ErrorNotice error={props.error ?? action.error} />
          <div class="form-actions">
            {submit}
            {props.buttons}
          </div>
        </>
      ) : (
        <>
          {submit}
          {props.buttons}
        </>
      )}
      {props.after}
    </form>
  )
  return stacked ? (
    form
  ) : (
    <>
      {form}
      <ErrorNotice error={props.error ?? action.error} />
    </>
  )
}
