import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A loopback stand-in for the AWS APIs the inventory connector reads, answering the documented
 * Query-protocol wire shapes: EC2 (`DescribeInstances`, `DescribeRegions`,
 * `DescribeAvailabilityZones`, namespace 2016-11-15), Elastic Load Balancing v2 (2015-12-01) and
 * RDS (2014-10-31), with errors as AWS sends them. Every request must be signed with SigV4 by the
 * world's access key id; its credential scope says the region and service.
 */

export interface StandInInstance {
  id: string
  name?: string
  privateIp: string
  publicIp?: string
  type?: string
  state?: string
  zone: string
  platform?: 'windows'
  tags?: Record<string, string>
}

export interface StandInBalancer {
  arn: string
  name: string
  listeners: { protocol: string; port: number }[]
  /** Instance ids its one target group holds. */
  targets: string[]
}

export interface StandInDatabase {
  id: string
  engine: string
  version: string
  instanceClass: string
  address: string
  port: number
}

export interface AwsWorld {
  accessKeyId: string
  regions: Record<
    string,
    {
      zones: string[]
      instances: StandInInstance[]
      balancers: StandInBalancer[]
      databases: StandInDatabase[]
    }
  >
  /** Items per page of every paginated answer. */
  pageSize: number
  /** Actions (`DescribeInstances`) answered with this error code instead. */
  refuse: Record<string, string>
}

export interface AwsStandIn {
  url: string
  world: AwsWorld
  /** Every action called, `service:Action region`. */
  calls: string[]
  close(): Promise<void>
}

const escapeXml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const el = (name: string, value: string | number | undefined) =>
  value === undefined ? '' : `<${name}>${typeof value === 'number' ? value : escapeXml(value)}</${name}>`

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/'
const ELB_NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/'
const RDS_NS = 'http://rds.amazonaws.com/doc/2014-10-31/'

const ERROR_STATUS: Record<string, number> = {
  UnauthorizedOperation: 403,
  AccessDenied: 403,
  AuthFailure: 401,
  InvalidClientTokenId: 403,
}

/** One page of `items` after the token `after` (an index), and the token of the next page. */
const page = <T>(items: T[], after: string | undefined, size: number) => {
  const start = after ? Number(after) : 0
  const next = start + size < items.length ? String(start + size) : undefined
  return { items: items.slice(start, start + size), next }
}

const instanceXml = (i: StandInInstance) =>
  `<item>${el('instanceId', i.id)}${el('imageId', 'ami-0abcdef1234567890')}<instanceState>${el(
    'code',
    i.state === 'stopped' ? 80 : 16,
  )}${el('name', i.state ?? 'running')}</instanceState>${el('privateDnsName', `ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal`)}${el(
    'dnsName',
    '',
  )}${el('instanceType', i.type ?? 't3.micro')}<placement>${el('availabilityZone', i.zone)}${el('tenancy', 'default')}</placement>${el(
    'platform',
    i.platform,
  )}${el('platformDetails', i.platform === 'windows' ? 'Windows' : 'Linux/UNIX')}${el('privateIpAddress', i.privateIp)}${el(
    'ipAddress',
    i.publicIp,
  )}<tagSet>${Object.entries({ ...(i.name ? { Name: i.name } : {}), ...i.tags })
    .map(([key, value]) => `<item>${el('key', key)}${el('value', value)}</item>`)
    .join('')}</tagSet></item>`

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export const startAwsStandIn = async (world: AwsWorld): Promise<AwsStandIn> => {
  const calls: string[] = []
  const answer = (response: ServerResponse, status: number, xml: string) => {
    response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' })
    response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`)
  }
  const ec2Error = (response: ServerResponse, code: string, message: string) =>
    answer(
      response,
      ERROR_STATUS[code] ?? 400,
      `<Response><Errors><Error>${el('Code', code)}${el('Message', message)}</Error></Errors>${el('RequestID', crypto.randomUUID())}</Response>`,
    )
  const queryError = (response: ServerResponse, ns: string, code: string, message: string) =>
    answer(
      response,
      ERROR_STATUS[code] ?? 400,
      `<ErrorResponse xmlns="${ns}"><Error>${el('Type', 'Sender')}${el('Code', code)}${el('Message', message)}</Error>${el('RequestId', crypto.randomUUID())}</ErrorResponse>`,
    )

  const server: Server = createServer(async (request, response) => {
    const params = new URLSearchParams(await readBody(request))
    const action = params.get('Action') ?? ''
    const scope =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(
        request.headers.authorization ?? '',
      )
    const service = scope?.[3] ?? 'ec2'
    const ns = service === 'rds' ? RDS_NS : service === 'elasticloadbalancing' ? ELB_NS : EC2_NS
    const fail = (code: string, message: string) =>
      service === 'ec2' ? ec2Error(response, code, message) : queryError(response, ns, code, message)
    if (!scope) return fail('MissingAuthenticationToken', 'Request is missing Authentication Token')
    const [, keyId, region] = scope as unknown as [string, string, string]
    calls.push(`${service}:${action} ${region}`)
    if (keyId !== world.accessKeyId)
      return fail(
        service === 'ec2' ? 'AuthFailure' : 'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      )
    const refused = world.refuse[action]
    if (refused)
      return fail(
        refused,
        refused === 'UnauthorizedOperation' || refused === 'AccessDenied'
          ? `You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/inventory is not authorized to perform: ${service}:${action}`
          : 'refused',
      )
    const here = world.regions[region]
    if (!here) return fail('InvalidRegion', `no region ${region}`)
    const requestId = `<requestId>${crypto.randomUUID()}</requestId>`
    const meta = `<ResponseMetadata>${el('RequestId', crypto.randomUUID())}</ResponseMetadata>`
    switch (action) {
      case 'DescribeInstances': {
        const { items, next } = page(here.instances, params.get('NextToken') ?? undefined, world.pageSize)
        // One reservation per instance, as launches one at a time make them.
        return answer(
          response,
          200,
          `<DescribeInstancesResponse xmlns="${EC2_NS}">${requestId}<reservationSet>${items
            .map(
              (i) =>
                `<item>${el('reservationId', `r-${i.id.slice(2)}`)}${el('ownerId', '123456789012')}<groupSet/><instancesSet>${instanceXml(i)}</instancesSet></item>`,
            )
            .join('')}</reservationSet>${el('nextToken', next)}</DescribeInstancesResponse>`,
        )
      }
      case 'DescribeRegions': {
        const names = [...params.entries()].filter(([k]) => k.startsWith('RegionName.')).map(([, v]) => v)
        const listed = Object.keys(world.regions).filter((name) => names.length === 0 || names.includes(name))
        return answer(
          response,
          200,
          `<DescribeRegionsResponse xmlns="${EC2_NS}">${requestId}<regionInfo>${listed
            .map(
              (name) =>
                `<item>${el('regionName', name)}${el('regionEndpoint', `ec2.${name}.amazonaws.com`)}${el('optInStatus', 'opt-in-not-required')}</item>`,
            )
            .join('')}</regionInfo></DescribeRegionsResponse>`,
        )
      }
      case 'DescribeAvailabilityZones':
        return answer(
          response,
          200,
          `<DescribeAvailabilityZonesResponse xmlns="${EC2_NS}">${requestId}<availabilityZoneInfo>${here.zones
            .map(
              (zone) =>
                `<item>${el('zoneName', zone)}${el('zoneState', 'available')}${el('regionName', region)}${el('zoneType', 'availability-zone')}</item>`,
            )
            .join('')}</availabilityZoneInfo></DescribeAvailabilityZonesResponse>`,
        )
      case 'DescribeLoadBalancers': {
        const { items, next } = page(here.balancers, params.get('Marker') ?? undefined, world.pageSize)
        return answer(
          response,
          200,
          `<DescribeLoadBalancersResponse xmlns="${ELB_NS}"><DescribeLoadBalancersResult><LoadBalancers>${items
            .map(
              (lb) =>
                `<member>${el('LoadBalancerArn', lb.arn)}${el('LoadBalancerName', lb.name)}${el('Type', 'application')}${el('Scheme', 'internet-facing')}${el('VpcId', 'vpc-1')}<State>${el('Code', 'active')}</State></member>`,
            )
            .join(
              '',
            )}</LoadBalancers>${el('NextMarker', next)}</DescribeLoadBalancersResult>${meta}</DescribeLoadBalancersResponse>`,
        )
      }
      case 'DescribeListeners': {
        const lb = here.balancers.find((b) => b.arn === params.get('LoadBalancerArn'))
        return answer(
          response,
          200,
          `<DescribeListenersResponse xmlns="${ELB_NS}"><DescribeListenersResult><Listeners>${(
            lb?.listeners ?? []
          )
            .map(
              (l, n) =>
                `<member>${el('ListenerArn', `${lb?.arn}/listener/${n}`)}${el('LoadBalancerArn', lb?.arn)}${el('Port', l.port)}${el('Protocol', l.protocol)}</member>`,
            )
            .join('')}</Listeners></DescribeListenersResult>${meta}</DescribeListenersResponse>`,
        )
      }
      case 'DescribeTargetGroups': {
        const lb = here.balancers.find((b) => b.arn === params.get('LoadBalancerArn'))
        const groups = lb ? [`${lb.arn.replace(':loadbalancer/', ':targetgroup/')}/tg`] : []
        return answer(
          response,
          200,
          `<DescribeTargetGroupsResponse xmlns="${ELB_NS}"><DescribeTargetGroupsResult><TargetGroups>${groups
            .map(
              (arn) =>
                `<member>${el('TargetGroupArn', arn)}${el('TargetGroupName', 'tg')}${el('Protocol', 'HTTP')}${el('Port', 80)}${el('TargetType', 'instance')}<LoadBalancerArns>${el('member', lb?.arn)}</LoadBalancerArns></member>`,
            )
            .join('')}</TargetGroups></DescribeTargetGroupsResult>${meta}</DescribeTargetGroupsResponse>`,
        )
      }
      case 'DescribeTargetHealth': {
        const arn = params.get('TargetGroupArn') ?? ''
        const lb = here.balancers.find(
          (b) => `${b.arn.replace(':loadbalancer/', ':targetgroup/')}/tg` === arn,
        )
        return answer(
          response,
          200,
          `<DescribeTargetHealthResponse xmlns="${ELB_NS}"><DescribeTargetHealthResult><TargetHealthDescriptions>${(
            lb?.targets ?? []
          )
            .map(
              (id) =>
                `<member><Target>${el('Id', id)}${el('Port', 80)}</Target>${el('HealthCheckPort', '80')}<TargetHealth>${el('State', 'healthy')}</TargetHealth></member>`,
            )
            .join(
              '',
            )}</TargetHealthDescriptions></DescribeTargetHealthResult>${meta}</DescribeTargetHealthResponse>`,
        )
      }
      case 'DescribeDBInstances': {
        const { items, next } = page(here.databases, params.get('Marker') ?? undefined, world.pageSize)
        return answer(
          response,
          200,
          `<DescribeDBInstancesResponse xmlns="${RDS_NS}"><DescribeDBInstancesResult><DBInstances>${items
            .map(
              (db) =>
                `<DBInstance>${el('DBInstanceIdentifier', db.id)}${el('DBInstanceArn', `arn:aws:rds:${region}:123456789012:db:${db.id}`)}${el('DBInstanceClass', db.instanceClass)}${el('Engine', db.engine)}${el('EngineVersion', db.version)}${el('DBInstanceStatus', 'available')}<Endpoint>${el('Address', db.address)}${el('Port', db.port)}</Endpoint>${el('AvailabilityZone', here.zones[0])}<TagList/></DBInstance>`,
            )
            .join(
              '',
            )}</DBInstances>${el('Marker', next)}</DescribeDBInstancesResult>${meta}</DescribeDBInstancesResponse>`,
        )
      }
      default:
        return fail('InvalidAction', `The action ${action} is not valid for this web service.`)
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    world,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
