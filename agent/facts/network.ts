import os from 'node:os'
import type { Facts } from '../../schema/agent/facts'

/** The machine's addresses other than loopback, sorted so that a report changes only when they do. */
export const ipAddresses = (): Facts['ip_addresses'] => {
  const addresses = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((address) => !address.internal)
    .map((address) => address.address)
  return [...new Set(addresses)].sort().slice(0, 256)
}
