import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { toBase64 } from '../../lib/base64'
import { canonicalString } from './sns-signature'

const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }

/**
 * SNS's side, for tests: a self-signed certificate (as the PEM SNS serves at `SigningCertURL`)
 * valid around `now`, and envelopes signed with its key as SNS signs them (versions 1 and 2).
 */
export const snsSigner = async (now: number) => {
  const keys = (await crypto.subtle.generateKey({ ...RSA, hash: 'SHA-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=sns.amazonaws.com',
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 86_400_000),
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    keys,
  })
  const pkcs8 = (await crypto.subtle.exportKey('pkcs8', keys.privateKey)) as ArrayBuffer
  const signer = (hash: string) =>
    crypto.subtle.importKey('pkcs8', pkcs8, { name: RSA.name, hash }, false, ['sign'])
  const signers = { '1': await signer('SHA-1'), '2': await signer('SHA-256') }
  return {
    pem: certificate.toString('pem'),
    signed: async <F extends Record<string, string>>(fields: F, version: '1' | '2' = '1') => {
      const envelope = { ...fields, SignatureVersion: version, Signature: '' }
      const text = canonicalString(envelope as never)
      const signature = await crypto.subtle.sign(
        'RSASSA-PKCS1-v1_5',
        signers[version],
        new TextEncoder().encode(text),
      )
      return { ...envelope, Signature: toBase64(new Uint8Array(signature)) }
    },
  }
}
