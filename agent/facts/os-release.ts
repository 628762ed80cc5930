import { readFile } from 'node:fs/promises'
import os from 'node:os'
import type { Facts } from '../../schema/agent/facts'

/** `KEY=value` lines of os-release(5); values may be quoted, with backslash escapes. */
export const parseOsRelease = (text: string): Record<string, string> => {
  const fields: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (!match?.[1] || match[2] === undefined) continue
    const raw = match[2]
    const quoted = /^(["'])(.*)\1$/.exec(raw)
    fields[match[1]] = quoted?.[2] !== undefined ? quoted[2].replace(/\\(.)/g, '$1') : raw
  }
  return fields
}

const readOsRelease = async (): Promise<Record<string, string>> => {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return parseOsRelease(await readFile(path, 'utf8'))
    } catch {
      // Not on this system: try the next place, or report the family alone.
    }
  }
  return {}
}

export const operatingSystem = async (): Promise<Facts['os']> => {
  const release = await readOsRelease()
  const version = release.VERSION_ID ?? release.VERSION
  return {
    family: os.platform(),
    ...(release.NAME && { distribution: release.NAME }),
    ...(version && { version }),
  }
}
