import type { Integration } from '../../api/types'
import { CopyableValue, CopyButton } from '../../ui/copy-button'
import { SecretShownOnce } from '../../ui/secret-shown-once'

/** Where the sender posts: the platform's address as this page reached it, and the hook's path. */
export const hookUrlOf = (integration: Integration) => `${location.origin}${integration.hook_path}`

/** The configuration to paste into the sender, in a block with a copy button. */
export const SetupBlock = (props: { text: string; format: string; label?: string }) => (
  <figure class="code-block" aria-label={props.label ?? 'Sender setup'}>
    <figcaption class="small muted">
      {props.label ?? 'Sender setup'} ({props.format})
      <CopyButton text={props.text} label="Copy setup" />
    </figcaption>
    <pre class="json">{props.text}</pre>
  </figure>
)

/**
 * A secret just made (on create or rotation), shown this once with the hook URL and the
 * sender's setup with the secret written in, ready to paste.
 */
export const NewSecret = (props: { integration: Integration; secret: string | null; what: string }) =>
  !props.secret ? null : (
    <div class="new-secret">
      <SecretShownOnce label="Integration secret" value={props.secret}>
        {props.what} It is shown once: copy it, or the setup below, into the sender now.
      </SecretShownOnce>
      <div class="field">
        <span>Hook URL</span>
        <CopyableValue label="Hook URL" value={hookUrlOf(props.integration)} />
      </div>
      <SetupBlock
        label="Sender setup with the secret"
        format={props.integration.setup.format}
        text={props.integration.setup.text.replaceAll('<secret>', props.secret)}
      />
    </div>
  )
