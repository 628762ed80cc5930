/** What a media type says about how data is written: as JSON, as text, or as bytes. */
export type DataForm = 'json' | 'text' | 'bytes'

const JSON_TYPE = /^(?:application\/json|[^/\s;]+\/[^/\s;]+\+json)\s*(?:;|$)/i
const TEXT_TYPE = /^text\/[^/\s;]+\s*(?:;|$)/i
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii'])

/**
 * JSON for `application/json` and any `+json` type (JSON event format 3.1); text for `text/*`
 * in UTF-8 (the default charset we read); bytes for everything else, and when no type is given.
 */
export const dataForm = (contentType: string | null | undefined): DataForm => {
  if (!contentType) return 'bytes'
  if (JSON_TYPE.test(contentType)) return 'json'
  if (!TEXT_TYPE.test(contentType)) return 'bytes'
  const charset = CHARSET.exec(contentType)?.[1]?.toLowerCase()
  return charset === undefined || UTF8_CHARSETS.has(charset) ? 'text' : 'bytes'
}

/** UTF-8 that refuses invalid sequences and keeps a byte-order mark, so text re-encodes to the same bytes. */
export const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
