import { AgentError } from '../errors'

export interface HiddenTyping {
  value: string
  state: 'typing' | 'done' | 'cancelled'
}

/**
 * What keys typed at a hidden prompt (a terminal in raw mode) make: Enter or Ctrl-D ends,
 * Ctrl-C cancels, Backspace erases, other control keys (arrows and such, which come as one
 * escape sequence per read) are ignored, and so is whatever follows the end. Pasted text
 * comes as one read and is kept whole.
 */
export const typeHidden = (typing: HiddenTyping, keys: string): HiddenTyping => {
  if (typing.state !== 'typing') return typing
  let { value } = typing
  for (const key of keys) {
    if (key === '\r' || key === '\n' || key === '\u0004') return { value, state: 'done' }
    if (key === '\u0003') return { value, state: 'cancelled' }
    if (key === '\u001b') break
    if (key === '\u007f' || key === '\b') value = Array.from(value).slice(0, -1).join('')
    else if (key >= ' ') value += key
  }
  return { value, state: 'typing' }
}

const readHidden = (input: NodeJS.ReadStream, prompt: NodeJS.WritableStream, label: string) =>
  new Promise<string>((resolve, reject) => {
    let typing: HiddenTyping = { value: '', state: 'typing' }
    const onData = (keys: string) => {
      typing = typeHidden(typing, keys)
      if (typing.state === 'typing') return
      input.off('data', onData)
      input.setRawMode(false)
      input.pause()
      prompt.write('\n')
      if (typing.state === 'done') resolve(typing.value)
      else reject(new AgentError('cancelled; nothing was stored'))
    }
    prompt.write(`${label} (typing is hidden): `)
    input.setEncoding('utf8')
    input.setRawMode(true)
    input.on('data', onData)
    input.resume()
  })

/** All of a pipe, without the one newline `echo` or a file's last line would add. */
const readPiped = async (input: NodeJS.ReadableStream): Promise<string> => {
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/**
 * A secret's value from standard input, never from the command line where `ps` and shell
 * history would keep it: typed at a hidden prompt on a terminal, else read from the pipe.
 */
export const readSecretValue = (
  input: NodeJS.ReadStream,
  prompt: NodeJS.WritableStream,
  label: string,
): Promise<string> => (input.isTTY ? readHidden(input, prompt, label) : readPiped(input))
