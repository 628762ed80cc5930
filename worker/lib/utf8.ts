const encoder = new TextEncoder()
/** Where texts near a limit are encoded to be measured: grown to the largest limit asked, never shrunk. */
let scratch = new Uint8Array(0)

/**
 * Whether a text is over `max` bytes in UTF-8: limits count bytes, and a character takes up
 * to three per UTF-16 unit, so only texts near the limit are measured, by encoding them into
 * a buffer of `max` bytes that they fill before their end only if they are over it.
 */
export const overBytes = (text: string, max: number): boolean => {
  if (text.length > max) return true
  if (text.length * 3 <= max) return false
  if (scratch.length < max) scratch = new Uint8Array(max)
  return encoder.encodeInto(text, scratch.subarray(0, max)).read < text.length
}

const NON_ASCII = /[\u0080-\uffff]/

/**
 * How many bytes a text takes in UTF-8, as `TextEncoder` would write it (a lone surrogate as
 * U+FFFD), counted without encoding it: output is counted line by line, and an encoder's
 * copy of every line cost more than storing it.
 */
export const utf8Length = (text: string): number => {
  if (!NON_ASCII.test(text)) return text.length
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) continue
    if (unit < 0x800) {
      bytes += 1
      continue
    }
    const next = unit >= 0xd800 && unit <= 0xdbff ? text.charCodeAt(i + 1) : 0
    // A surrogate pair: two units, four bytes. Anything else left takes three bytes per unit.
    if (next >= 0xdc00 && next <= 0xdfff) i++
    bytes += 2
  }
  return bytes
}
