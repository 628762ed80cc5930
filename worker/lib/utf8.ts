const encoder = new TextEncoder()

/**
 * Whether a text is over `max` bytes in UTF-8: limits count bytes, and a character takes up
 * to three per UTF-16 unit, so only texts near the limit are encoded to know.
 */
export const overBytes = (text: string, max: number): boolean =>
  text.length > max || (text.length * 3 > max && encoder.encode(text).length > max)
