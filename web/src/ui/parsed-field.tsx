import { useState } from 'preact/hooks'

/**
 * A text field (a textarea when given `rows`) whose text is parsed into a value on every
 * keystroke while the text itself stays as typed: a half-written `NAME=` line or `200, ` list
 * is not reformatted under the cursor.
 */
export const ParsedField = <T,>(props: {
  label: string
  value: T
  format: (value: T) => string
  parse: (text: string) => T
  onChange: (value: T) => void
  rows?: number
  class?: string
}) => {
  const [text, setText] = useState(() => props.format(props.value))
  const onInput = (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => {
    setText(e.currentTarget.value)
    props.onChange(props.parse(e.currentTarget.value))
  }
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the textarea or the input below.
    <label class={`field ${props.class ?? ''}`}>
      <span>{props.label}</span>
      {props.rows ? (
        <textarea rows={props.rows} spellcheck={false} value={text} onInput={onInput} />
      ) : (
        <input value={text} onInput={onInput} />
      )}
    </label>
  )
}
