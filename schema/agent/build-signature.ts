import { CompactSign, compactVerify, importJWK, importPKCS8 } from 'jose'
import * as v from 'valibot'

/**
 * What a build signature and a key endorsement say. Both are compact JWS (EdDSA, Ed25519) over
 * a small JSON statement, made offline with the tenant's private key and checked by the
 * platform on upload and by every agent before it runs a build.
 */
const BUILD_TYPE = 'sitewire-agent-build'
const KEY_TYPE = 'sitewire-agent-signing-key'

const BuildStatement = v.object({ typ: v.literal(BUILD_TYPE), version: v.string(), sha256: v.string() })
const KeyStatement = v.object({ typ: v.literal(KEY_TYPE), public_key: v.string() })

const sign = async (privateKeyPem: string, statement: object) =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(statement)))
    .setProtectedHeader({ alg: 'EdDSA' })
    .sign(await importPKCS8(privateKeyPem, 'EdDSA'))

/** The statement a JWS signed with `publicKey` holds, or why it holds none. */
const verified = async <S extends v.GenericSchema>(
  publicKey: string,
  jws: string,
  schema: S,
): Promise<{ ok: true; statement: v.InferOutput<S> } | { ok: false; reason: string }> => {
  let payload: Uint8Array
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: publicKey }, 'EdDSA')
    ;({ payload } = await compactVerify(jws, key, { algorithms: ['EdDSA'] }))
  } catch {
    return { ok: false, reason: 'the signature does not verify with the signing key' }
  }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(payload))
  } catch {
    return { ok: false, reason: 'the signed statement is not JSON' }
  }
  const parsed = v.safeParse(schema, json)
  return parsed.success
    ? { ok: true, statement: parsed.output }
    : { ok: false, reason: 'the signed statement is not of this kind' }
}

/** Signs a build: its version and the SHA-256 of its bytes. */
export const signBuild = (privateKeyPem: string, build: { version: string; sha256: string }) =>
  sign(privateKeyPem, { typ: BUILD_TYPE, version: build.version, sha256: build.sha256 })

/** Null when `jws` is the tenant key's signature of exactly this version and these bytes; else why not. */
export const buildSignatureProblem = async (
  publicKey: string,
  jws: string,
  build: { version: string; sha256: string },
): Promise<string | null> => {
  const result = await verified(publicKey, jws, BuildStatement)
  if (!result.ok) return result.reason
  if (result.statement.sha256 !== build.sha256) return 'the signature is of other bytes (SHA-256 differs)'
  if (result.statement.version !== build.version)
    return `the signature is of version ${result.statement.version}, not ${build.version}`
  return null
}

/** Endorses a new signing key with the current one, so agents that trust the current key move to the new one. */
export const endorseKey = (currentPrivateKeyPem: string, newPublicKey: string) =>
  sign(currentPrivateKeyPem, { typ: KEY_TYPE, public_key: newPublicKey })

/** Whether `endorsement` is `trustedKey`'s signature of `newPublicKey`. */
export const endorses = async (trustedKey: string, endorsement: string, newPublicKey: string) => {
  const result = await verified(trustedKey, endorsement, KeyStatement)
  return result.ok && result.statement.public_key === newPublicKey
}
