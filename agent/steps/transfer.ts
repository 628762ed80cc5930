import type { Transfer } from './context'

/** A platform URL for a file, absolute, with the agent's JWT for exactly that path. */
export const authorizedRequest = async (transfer: Transfer, url: string) => {
  const target = new URL(url, `${transfer.baseUrl}/`)
  return { url: target, authorization: `Bearer ${await transfer.sign(target.pathname)}` }
}

/** `status text` of a response the platform refused, for a message. */
export const describeResponse = (response: Response) =>
  `HTTP ${response.status} ${response.statusText}`.trim()
