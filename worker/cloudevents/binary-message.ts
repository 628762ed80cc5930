import type { LoggedEvent } from '../../schema/events'
import { fromBase64 } from '../lib/base64'
import { dataForm } from './media-type'
import { percentEncode } from './percent-encoding'

/** An event written for HTTP: plain values, so it crosses from the Site object to the Worker as it is. */
export interface EncodedEvent {
  headers: [string, string][]
  body: Uint8Array | string | null
}

/** A logged event in the JSON event format, as `application/cloudevents+json`. */
export const toStructuredMessage = (event: LoggedEvent): EncodedEvent => ({
  headers: [['content-type', 'application/cloudevents+json; charset=utf-8']],
  body: JSON.stringify(event),
})

const NOT_HEADERS = new Set(['data', 'data_base64', 'datacontenttype'])

/**
 * A logged event in the HTTP binding's binary mode: each attribute a percent-encoded `ce-*`
 * header, `Content-Type` its `datacontenttype`, and the body its data: the very bytes of
 * binary data, text as UTF-8, anything else as JSON.
 */
export const toBinaryMessage = (event: LoggedEvent): EncodedEvent => {
  const headers: [string, string][] = []
  for (const [name, value] of Object.entries(event)) {
    if (NOT_HEADERS.has(name) || value === undefined || value === null) continue
    headers.push([`ce-${name}`, percentEncode(String(value))])
  }
  const { data, data_base64: base64, datacontenttype } = event
  // Absent datacontenttype means JSON in the JSON format; say so, or the body is unreadable.
  const contentType = datacontenttype ?? (data === undefined ? undefined : 'application/json')
  if (contentType !== undefined) headers.push(['content-type', contentType])
  if (typeof base64 === 'string') return { headers, body: fromBase64(base64) }
  if (data === undefined) return { headers, body: null }
  return {
    headers,
    body: typeof data === 'string' && dataForm(contentType) !== 'json' ? data : JSON.stringify(data),
  }
}
