/** Each stream of a PDF, inflated: where pdf-lib writes the text operators of its pages. */
export const pdfStreams = async (bytes: Uint8Array) => {
  const text = new TextDecoder('latin1').decode(bytes)
  const streams: string[] = []
  for (let at = text.indexOf('stream\n'); at !== -1; at = text.indexOf('stream\n', at + 1)) {
    const end = text.indexOf('endstream', at)
    if (text.slice(at - 3, at) === 'end') continue
    const body = bytes.slice(at + 'stream\n'.length, text[end - 1] === '\n' ? end - 1 : end)
    try {
      const inflated = new Response(new Blob([body]).stream().pipeThrough(new DecompressionStream('deflate')))
      streams.push(new TextDecoder('latin1').decode(await inflated.arrayBuffer()))
    } catch {
      streams.push(new TextDecoder('latin1').decode(body))
    }
  }
  return streams.join('\n')
}

/** Text as pdf-lib writes it in a `Tj` operator: hex of its bytes. */
export const hexOf = (text: string) =>
  [...new TextEncoder().encode(text)].map((byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join('')
