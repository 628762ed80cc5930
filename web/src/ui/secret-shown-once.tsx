import type { ComponentChildren } from 'preact'
import { CopyableValue } from './copy-button'

/**
 * A secret (a key, a password, a command with a token) shown this once after it was made,
 * selectable and with a copy button, under a sentence saying what it is; nothing until then.
 */
export const SecretShownOnce = (props: {
  /** The secret; nothing is shown until there is one. */
  value: string | null | undefined
  /** The accessible name of the field that holds it. */
  label: string
  children: ComponentChildren
}) =>
  !props.value ? null : (
    <div class="notice notice-success" role="status">
      <p>{props.children}</p>
      <CopyableValue label={props.label} value={props.value} />
    </div>
  )
