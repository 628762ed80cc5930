/** SQLite takes a bounded number of bound values per statement: a long list is bound in chunks. */
export const chunks = <T>(items: readonly T[], size = 500): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))
