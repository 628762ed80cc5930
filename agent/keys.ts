import { readFileSync } from 'node:fs'
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8 } from 'jose'
import { writeFileAtomic } from './state-dir'

export type PrivateKey = Awaited<ReturnType<typeof importPKCS8>>

/** A new Ed25519 key pair: the private key as PKCS8 PEM, the public one as the JWK `x` the platform registers. */
export const generateAgentKey = async (): Promise<{ privateKeyPem: string; publicKey: string }> => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(publicKey)
  if (!jwk.x) throw new Error('the generated key has no public part')
  return { privateKeyPem: await exportPKCS8(privateKey), publicKey: jwk.x }
}

/** The key is created 0600 and flushed: no moment exists where others could read it, or a crash could lose it. */
export const writePrivateKey = (path: string, pem: string) =>
  writeFileAtomic(path, pem, { mode: 0o600, durable: true })

export const readPrivateKey = (path: string): Promise<PrivateKey> =>
  importPKCS8(readFileSync(path, 'utf8'), 'EdDSA')
