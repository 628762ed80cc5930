import { AsnConvert } from '@peculiar/asn1-schema'
import { Certificate } from '@peculiar/asn1-x509'
import { fromBase64 } from '../../lib/base64'
import type { SenderTrust } from './sender'

/** Certificates kept; SNS signs with a handful per region, so this is many regions' worth. */
const MAX_CACHED = 64

/** What a verification needs from a signing certificate. */
export interface SigningCertificate {
  spki: ArrayBuffer
  notBefore: number
  notAfter: number
}

/** Certificates by URL, as promises so concurrent deliveries share one fetch. */
const cache = new Map<string, Promise<SigningCertificate>>()

/** Whether a URL SNS hands us is https on an SNS host (certificates, `SubscribeURL`), so we fetch nothing else. */
export const isSnsUrl = (text: string, trust: SenderTrust): boolean => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return false
  }
  return (
    url.protocol === 'https:' &&
    url.username === '' &&
    url.password === '' &&
    // The host with its port, if any: SNS's hosts have none, so a port never matches in production.
    trust.snsCertificateHost.test(url.host)
  )
}

const PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/

/**
 * The public key and validity of a PEM certificate. `@peculiar/asn1-x509` is the ASN.1 layer of
 * `@peculiar/x509`; the latter needs a global Reflect polyfill, which the Worker does without.
 */
const readCertificate = (pem: string): SigningCertificate => {
  const base64 = PEM.exec(pem)?.[1]
  if (base64 === undefined) throw new Error('not a PEM certificate')
  const certificate = AsnConvert.parse(fromBase64(base64.replace(/\s+/g, '')), Certificate)
  const { validity, subjectPublicKeyInfo } = certificate.tbsCertificate
  return {
    spki: AsnConvert.serialize(subjectPublicKeyInfo),
    notBefore: validity.notBefore.getTime().getTime(),
    notAfter: validity.notAfter.getTime().getTime(),
  }
}

const download = async (url: string, fetcher: typeof fetch): Promise<SigningCertificate> => {
  const response = await fetcher(url, { redirect: 'manual' })
  if (!response.ok) throw new Error(`certificate fetch answered ${response.status}`)
  return readCertificate(await response.text())
}

/** The signing certificate at `url` (already checked to be on an SNS host), fetched once and cached. */
export const signingCertificate = (url: string, fetcher: typeof fetch): Promise<SigningCertificate> => {
  const cached = cache.get(url)
  if (cached !== undefined) return cached
  const loading = download(url, fetcher)
  // A failed fetch is not kept: the next delivery tries again.
  loading.catch(() => {
    if (cache.get(url) === loading) cache.delete(url)
  })
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string)
  cache.set(url, loading)
  return loading
}
