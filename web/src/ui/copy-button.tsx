import { useState } from 'preact/hooks'

/** Copies `text` to the clipboard and says so. */
export const CopyButton = ({ text, label = 'Copy' }: { text: string; label?: string }) => {
  const [copied, setCopied] = useState(false)
  return (
    <button
      type="button"
      class="button button-small"
      onClick={async () => {
        await navigator.clipboard.writeText(text)
        setCopied(true)
        setTimeout(() => setCopied(false), 2000)
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  )
}

/** A secret or command shown once, selectable, with a copy button. */
export const CopyableValue = ({ value, label }: { value: string; label: string }) => (
  <div class="copyable">
    <input readOnly value={value} aria-label={label} onFocus={(e) => e.currentTarget.select()} />
    <CopyButton text={value} />
  </div>
)
