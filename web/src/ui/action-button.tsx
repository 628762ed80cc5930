import type { ComponentChildren } from 'preact'
import type { useAction } from './use-action'

/**
 * A small button that runs one write through `action`, whose error its screen shows (a row's
 * Revoke, Delete or Disable); with `confirm`, only once the user agrees to that question.
 */
export const ActionButton = (props: {
  action: ReturnType<typeof useAction>
  write: () => Promise<unknown>
  confirm?: string
  danger?: boolean
  children: ComponentChildren
}) => (
  <button
    type="button"
    class={props.danger ? 'button button-small button-danger' : 'button button-small'}
    onClick={() => {
      if (props.confirm !== undefined && !confirm(props.confirm)) return
      void props.action.run(props.write)
    }}
  >
    {props.children}
  </button>
)
