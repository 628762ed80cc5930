import * as v from 'valibot'
import { type AlertLink, ReceivedAlert } from '../../../schema/alerts/received-alert'
import { apiError } from '../../http/errors'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Bytes as UTF-8 text, or null when they are not UTF-8. */
export const decodeUtf8 = (bytes: Uint8Array): string | null => {
  try {
    return utf8.decode(bytes)
  } catch {
    return null
  }
}

export interface Problem {
  path: string
  message: string
}

/** The 400 every sender answers a body it cannot read with; `details` name each problem. */
export const malformed = (what: string, details: Problem[]) =>
  apiError(400, 'malformed_delivery', `not a readable ${what}`, details)

const problemsOf = (issues: readonly v.BaseIssue<unknown>[], prefix: string): Problem[] =>
  issues.map((issue) => ({
    path: [prefix, v.getDotPath(issue)].filter((part) => part !== '' && part !== null).join('.'),
    message: issue.message,
  }))

/** A value read by a payload schema, or the 400 naming each field that is wrong (under `prefix`). */
export const readPayload = <S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
  prefix = '',
): v.InferOutput<S> => {
  const result = v.safeParse(schema, input)
  if (!result.success) throw malformed(what, problemsOf(result.issues, prefix))
  return result.output
}

/** JSON text parsed, or the 400 saying why not. */
export const parseJsonText = (text: string, what: string, path = ''): unknown => {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw malformed(what, [{ path, message: `not JSON: ${(error as Error).message}` }])
  }
}

/** The body as UTF-8 JSON, or the 400 saying why not. */
export const parseJsonBody = (body: Uint8Array, what: string): unknown => {
  const text = decodeUtf8(body)
  if (text === null) throw malformed(what, [{ path: '', message: 'the body is not UTF-8' }])
  return parseJsonText(text, what)
}

/** Free text cut to a field's limit: a long summary is still worth keeping. */
const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text)

/** Links that have an address, in order, up to the limit an alert keeps. */
export const linksOf = (candidates: readonly [rel: string, href: string | null | undefined][]): AlertLink[] =>
  candidates
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
    .map(([rel, href]) => ({ rel, href }))
    .slice(0, 16)

/** An RFC 3339 time in one form (ms, `Z`) from anything `Date` reads, or null. */
export const isoTime = (value: string | number | null | undefined): string | null => {
  if (value === null || value === undefined || value === '') return null
  const time = new Date(value)
  return Number.isNaN(time.getTime()) ? null : time.toISOString()
}

/** The normalised alerts, held to the `ReceivedAlert` schema: an oversized label is the sender's 400. */
export const finish = (alerts: ReceivedAlert[], what: string): ReceivedAlert[] =>
  alerts.map((alert, index) =>
    readPayload(
      ReceivedAlert,
      { ...alert, name: clip(alert.name, 512), summary: clip(alert.summary, 16_384) },
      what,
      `alerts.${index}`,
    ),
  )
