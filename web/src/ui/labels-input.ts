/** Parses `k=v, k2=v2` (commas or new lines) into labels; blank input is no labels. */
export const parseLabels = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(/[,\n]/)
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => {
        const at = pair.indexOf('=')
        return at < 0 ? [pair, ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()]
      }),
  )

export const formatLabels = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')
