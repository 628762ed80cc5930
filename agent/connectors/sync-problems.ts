import type { SyncError } from '../../schema/inventory/connectors'

/** A problem that stops one part of a sync, already phrased for a person. */
export class SyncProblem extends Error {
  constructor(readonly error: SyncError) {
    super(error.message)
  }
}

/** A secret the connector names is not in this agent's store. */
export const missingSecret = (name: string, agentId: string) =>
  new SyncProblem({
    code: 'missing_secret',
    message: `secret ${name} is not set on agent ${agentId} (sitewire-agent secrets set ${name})`,
    hint: `on that agent's machine: sitewire-agent secrets set ${name}`,
  })

/** Reads the named secrets from the agent's store, or names the first one missing. */
export const requireSecrets = <K extends string>(
  secrets: Record<string, string>,
  names: Record<K, string>,
  agentId: string,
): Record<K, string> => {
  const values = {} as Record<K, string>
  for (const [key, name] of Object.entries(names) as [K, string][]) {
    const value = secrets[name]
    if (value === undefined) throw missingSecret(name, agentId)
    values[key] = value
  }
  return values
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** The network failure beneath an error, if that is what it is (fetch puts it in `cause`). */
const networkCode = (error: unknown): string | undefined => {
  for (let current = error as { code?: unknown; cause?: unknown } | undefined; current; ) {
    if (typeof current.code === 'string' && NETWORK_CODES.has(current.code)) return current.code
    current = current.cause as typeof current | undefined
  }
  return undefined
}

export const unreachable = (endpoint: string, error: unknown, where?: string): SyncError | undefined => {
  const code = networkCode(error) ?? ((error as Error)?.name === 'TimeoutError' ? 'ETIMEDOUT' : undefined)
  if (!code) return undefined
  return {
    code: 'unreachable',
    message: `${endpoint} is unreachable from this agent (${code})`,
    hint: 'check the endpoint, and that this agent’s network (proxy, firewall, DNS) reaches it',
    ...(where ? { where } : {}),
  }
}

const DENIED = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedAccess',
])
const WRONG_CREDENTIALS = new Set([
  'AuthFailure',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
])

/** An AWS call's failure, with what to do about it: the permission to grant names the API action. */
export const awsProblem = (error: unknown, action: string, endpoint: string, where: string): SyncError => {
  const name = (error as Error)?.name ?? 'Error'
  const message = ((error as Error)?.message ?? String(error)).slice(0, 1000)
  if (DENIED.has(name))
    return {
      code: 'unauthorized',
      message: `${action} was refused: ${message}`,
      hint: `Unauthorized: grant read-only permission ${action}`,
      where,
    }
  if (WRONG_CREDENTIALS.has(name))
    return {
      code: 'wrong_credentials',
      message: `AWS refused the credentials (${name}): ${message}`,
      hint: 'wrong credentials: check the access key id and secret access key in the agent’s secrets',
      where,
    }
  return (
    unreachable(endpoint, error, where) ?? {
      code: 'aws_error',
      message: `${action}: ${name}: ${message}`,
      where,
    }
  )
}
