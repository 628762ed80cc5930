/** Formats rows as an aligned plain-text table: numbers right-aligned, text left-aligned. */
export const formatTable = (headers: string[], rows: (string | number)[][]): string => {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell))),
  ]
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)))
  const numeric = headers.map((_, column) => rows.every((row) => typeof row[column] !== 'string'))
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd()
  const [head, ...body] = cells
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}

const formatNumber = (value: number) =>
  !Number.isFinite(value)
    ? '-'
    : Number.isInteger(value) || Math.abs(value) >= 100
      ? Math.round(value).toLocaleString('en-US')
      : value.toFixed(2)
