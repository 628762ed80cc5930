import { StringDecoder } from 'node:string_decoder'
import type { OutputLine } from '../../schema/tasks/run-request'
import type { Masker } from './mask'

/** Longest line sent, in UTF-16 code units as the schema counts them; longer lines are split. */
export const MAX_LINE_LENGTH = 16 * 1024

type Stream = OutputLine['stream']

/** Moves a cut off the middle of a surrogate pair, so both halves stay valid text. */
const safeCut = (text: string, at: number) => {
  const code = text.charCodeAt(at - 1)
  return at > 1 && code >= 0xd800 && code <= 0xdbff ? at - 1 : at
}

/** `text` in pieces of at most MAX_LINE_LENGTH; an empty line stays one empty line. */
const pieces = (text: string): string[] => {
  const result: string[] = []
  let rest = text
  while (rest.length > MAX_LINE_LENGTH) {
    const cut = safeCut(rest, MAX_LINE_LENGTH)
    result.push(rest.slice(0, cut))
    rest = rest.slice(cut)
  }
  result.push(rest)
  return result
}

/**
 * Turns what one stream of a step writes into lines, each stamped with the time its end was
 * read, masked, and at most MAX_LINE_LENGTH long. Bytes are decoded as UTF-8 across reads.
 * A line without its newline waits for it, up to the length limit (plus the longest secret,
 * so that one straddling the cut is still masked whole), or until the stream ends.
 */
export class LineReader {
  private readonly decoder = new StringDecoder('utf8')
  private pending = ''

  constructor(
    private readonly stream: Stream,
    private readonly masker: Masker,
    private readonly emit: (line: OutputLine) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  write(data: Buffer | string) {
    const text = typeof data === 'string' ? data : this.decoder.write(data)
    if (text === '') return
    const at = this.now().toISOString()
    // What was pending holds no newline: the search starts at the new text.
    const first = text.indexOf('\n')
    let newline = first === -1 ? -1 : this.pending.length + first
    this.pending += text
    let start = 0
    while (newline >= 0) {
      const end = newline > start && this.pending[newline - 1] === '\r' ? newline - 1 : newline
      this.send(this.pending.slice(start, end), at)
      start = newline + 1
      newline = this.pending.indexOf('\n', start)
    }
    this.pending = this.pending.slice(start)
    const hold = Math.max(0, this.masker.longest - 1)
    while (this.pending.length >= MAX_LINE_LENGTH + hold) {
      const cut = safeCut(this.pending, this.masker.cut(this.pending, MAX_LINE_LENGTH))
      this.send(this.pending.slice(0, cut), at)
      this.pending = this.pending.slice(cut)
    }
  }

  /** The stream ended: a last line without its newline is sent as it is. */
  end() {
    this.pending += this.decoder.end()
    if (this.pending !== '') this.send(this.pending, this.now().toISOString())
    this.pending = ''
  }

  private send(raw: string, at: string) {
    for (const text of pieces(this.masker.mask(raw))) this.emit({ at, stream: this.stream, text })
  }
}
