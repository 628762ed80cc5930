/** A page of a list, as every list route answers it. */
export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/**
 * Turns the `limit + 1` rows a list query read into a page: the first `limit` rows, and a
 * cursor to the next page when the extra row shows there is one.
 */
export const toPage = <R, T>(
  rows: readonly R[],
  limit: number,
  item: (rows: readonly R[]) => T[],
  cursorOf: (row: R) => string,
): Page<T> => {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { items: item(page), next_cursor: rows.length > limit && last ? cursorOf(last) : null }
}

/** The cursor of lists ordered by their ULID id. */
export const byId = (row: { id: string }) => row.id

/** A page of rows ordered by id, each shown as `item` shows it, as a 200 answer. */
export const pageReply = <R extends { id: string }, T>(
  rows: readonly R[],
  limit: number,
  item: (row: R) => T,
): { status: 200; body: Page<T> } => ({
  status: 200,
  body: toPage(rows, limit, (page) => page.map(item), byId),
})
