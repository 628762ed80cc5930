// Renders /v1/openapi.json with Scalar's self-hosted bundle: no CDN fonts, no proxy, no telemetry.
globalThis.Scalar.createApiReference('#reference', {
  url: '/v1/openapi.json',
  withDefaultFonts: false,
  hideClientButton: true,
  showDeveloperTools: 'never',
  telemetry: false,
  // Scalar's assistant searches its online registry: off, the reference works offline.
  agent: { disabled: true },
  authentication: { preferredSecurityScheme: 'apiKey' },
  metaData: { title: 'Sitewire API reference' },
})
