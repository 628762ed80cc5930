/**
 * Gathers events' JSON texts into the messages that carry them: several as one JSON array
 * while they fit in `maxBytes`, else one alone. With `maxBytes` 0 (a platform that takes one
 * event per message) every event goes alone.
 */
export class MessageBatch {
  private texts: string[] = []
  /** `[`, then each text with the comma or `]` after it. */
  private bytes = 1

  constructor(
    private readonly maxBytes: number,
    private readonly send: (message: string) => void,
  ) {}

  add(text: string) {
    const size = Buffer.byteLength(text) + 1
    if (this.bytes + size > this.maxBytes) this.flush()
    this.texts.push(text)
    this.bytes += size
  }

  flush() {
    const [first] = this.texts
    if (first === undefined) return
    this.send(this.texts.length === 1 ? first : `[${this.texts.join(',')}]`)
    this.texts = []
    this.bytes = 1
  }
}
