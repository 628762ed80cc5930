import {
  DescribeAvailabilityZonesCommand,
  DescribeRegionsCommand,
  EC2Client,
  type Instance,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2'
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { type DBInstance, paginateDescribeDBInstances, RDSClient } from '@aws-sdk/client-rds'
import type {
  AwsSettings,
  ConnectorResourceType,
  ObservedEntity,
  SyncError,
} from '../../schema/inventory/connectors'
import { ipv4s, type SyncResult, tagSlugs, text } from './cloud-entities'
import { awsProblem, requireSecrets } from './sync-problems'

/** What an AWS sync needs beside the settings: the agent's secrets and who runs it. */
export interface AwsContext {
  connectorId: string
  agentId: string
  secrets: Record<string, string>
}

interface AwsClientConfig {
  region: string
  endpoint?: string
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  maxAttempts: number
  requestHandler: { connectionTimeout: number; requestTimeout: number }
}

export const serverKey = (instanceId: string) => `server/aws/${instanceId}`
export const datacenterKey = (connectorId: string) => `datacenter/aws/${connectorId}`

/** Instances AWS has let go of: a terminated one lingers in the answers for a while. */
const GONE_STATES = new Set(['terminated', 'shutting-down'])

const instanceEntity = (
  instance: Instance,
  region: string,
  connectorId: string,
): ObservedEntity | undefined => {
  const id = instance.InstanceId
  if (!id || GONE_STATES.has(instance.State?.Name ?? '')) return undefined
  const tags = instance.Tags ?? []
  const nameTag = tags.find((tag) => tag.Key === 'Name')?.Value?.trim()
  const hostname = instance.PrivateDnsName || id
  const privateAddresses = (instance.NetworkInterfaces ?? []).flatMap((nic) =>
    (nic.PrivateIpAddresses ?? []).map((address) => address.PrivateIpAddress),
  )
  return {
    key: serverKey(id),
    kind: 'server',
    name: text(nameTag || hostname),
    instance_id: id,
    attributes: {
      hostname: text(hostname),
      private_ipv4: ipv4s([instance.PrivateIpAddress, ...privateAddresses]),
      public_ipv4: ipv4s([instance.PublicIpAddress]),
      os: {
        base: instance.Platform?.toLowerCase() === 'windows' ? 'windows' : 'linux',
        ...(instance.PlatformDetails ? { distro: text(instance.PlatformDetails) } : {}),
      },
      region,
      ...(instance.Placement?.AvailabilityZone ? { zone: instance.Placement.AvailabilityZone } : {}),
      instance_id: id,
      ...(instance.InstanceType ? { instance_type: instance.InstanceType } : {}),
      ...(instance.State?.Name ? { instance_state: instance.State.Name } : {}),
    },
    tags: tagSlugs(
      tags
        .filter((tag) => tag.Key && tag.Key !== 'Name')
        .map((tag) => ({ key: tag.Key as string, value: tag.Value })),
    ),
    relations: [{ type: 'located_in', to: datacenterKey(connectorId) }],
  }
}

const LISTENER_PROTOCOLS: Record<string, 'tcp' | 'udp' | 'http' | 'https' | 'tls'> = {
  HTTP: 'http',
  HTTPS: 'https',
  TCP: 'tcp',
  UDP: 'udp',
  TLS: 'tls',
  TCP_UDP: 'tcp',
}

/** RDS engine names as the inventory's database engines. */
const engineOf = (engine: string) => {
  if (engine.includes('postgres')) return 'postgresql'
  if (engine.includes('mysql') || engine.includes('mariadb')) return 'mysql'
  if (engine.startsWith('oracle')) return 'oracle'
  if (engine.startsWith('sqlserver')) return 'mssql'
  return 'other'
}

const databaseEntity = (db: DBInstance, connectorId: string): ObservedEntity | undefined => {
  const id = db.DBInstanceArn ?? db.DBInstanceIdentifier
  if (!id || !db.DBInstanceIdentifier) return undefined
  const endpoint = db.Endpoint?.Address
    ? `${db.Endpoint.Address}${db.Endpoint.Port ? `:${db.Endpoint.Port}` : ''}`
    : undefined
  return {
    key: `database/aws/${id}`,
    kind: 'database',
    name: text(db.DBInstanceIdentifier),
    attributes: {
      engine: engineOf(db.Engine ?? ''),
      ...(db.EngineVersion ? { version: text(db.EngineVersion) } : {}),
      cloud_instance: text(db.DBInstanceIdentifier),
      ...(db.DBInstanceClass ? { instance_class: db.DBInstanceClass } : {}),
      ...(endpoint ? { endpoint: text(endpoint) } : {}),
    },
    tags: tagSlugs(
      (db.TagList ?? [])
        .filter((tag) => tag.Key)
        .map((tag) => ({ key: tag.Key as string, value: tag.Value })),
    ),
    relations: [{ type: 'located_in', to: datacenterKey(connectorId) }],
  }
}

/**
 * Reads one resource type of an AWS account with the official clients, region by region and
 * page by page, with credentials from the agent's own secrets. A region that fails is an error
 * of the result, which is then incomplete; the other regions are still read.
 */
export const syncAws = async (
  settings: AwsSettings,
  type: ConnectorResourceType,
  context: AwsContext,
): Promise<SyncResult> => {
  const names: Record<string, string> = {
    accessKeyId: settings.access_key_id_secret,
    secretAccessKey: settings.secret_access_key_secret,
    ...(settings.session_token_secret ? { sessionToken: settings.session_token_secret } : {}),
  }
  const secrets = requireSecrets(context.secrets, names, context.agentId)
  const configFor = (region: string): AwsClientConfig => ({
    region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    credentials: secrets as AwsClientConfig['credentials'],
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  })
  const endpointOf = (service: string, region: string) =>
    settings.endpoint ?? `https://${service}.${region}.amazonaws.com`
  const entities: ObservedEntity[] = []
  const errors: SyncError[] = []
  /** Runs one API action; a failure becomes the result's error, hinted. */
  const attempt = async (service: string, region: string, action: string, read: () => Promise<void>) => {
    try {
      await read()
      return true
    } catch (error) {
      errors.push(awsProblem(error, action, endpointOf(service, region), region))
      return false
    }
  }

  if (type === 'datacenters') {
    const [first] = settings.regions
    const ec2 = new EC2Client(configFor(first as string))
    const known = new Set<string>()
    const listed = await attempt('ec2', first as string, 'ec2:DescribeRegions', async () => {
      const answer = await ec2.send(new DescribeRegionsCommand({ RegionNames: settings.regions }))
      for (const region of answer.Regions ?? []) if (region.RegionName) known.add(region.RegionName)
    })
    const regions: { name: string; zones: string[] }[] = []
    for (const region of settings.regions.filter((name) => known.has(name))) {
      const client = new EC2Client(configFor(region))
      await attempt('ec2', region, 'ec2:DescribeAvailabilityZones', async () => {
        const answer = await client.send(new DescribeAvailabilityZonesCommand({}))
        const zones = (answer.AvailabilityZones ?? []).flatMap((zone) =>
          zone.ZoneName ? [zone.ZoneName] : [],
        )
        regions.push({ name: region, zones: zones.sort() })
      })
    }
    if (listed)
      entities.push({
        key: datacenterKey(context.connectorId),
        kind: 'datacenter',
        name: `AWS ${settings.regions.join(', ')}`.slice(0, 200),
        attributes: { provider: 'aws', regions },
      })
    return { entities, errors, complete: errors.length === 0 }
  }

  for (const region of settings.regions) {
    if (type === 'servers') {
      const client = new EC2Client(configFor(region))
      await attempt('ec2', region, 'ec2:DescribeInstances', async () => {
        const found: ObservedEntity[] = []
        for await (const page of paginateDescribeInstances({ client }, {}))
          for (const reservation of page.Reservations ?? [])
            for (const instance of reservation.Instances ?? []) {
              const entity = instanceEntity(instance, region, context.connectorId)
              if (entity) found.push(entity)
            }
        entities.push(...found)
      })
    } else if (type === 'databases') {
      const client = new RDSClient(configFor(region))
      await attempt('rds', region, 'rds:DescribeDBInstances', async () => {
        const found: ObservedEntity[] = []
        for await (const page of paginateDescribeDBInstances({ client }, {}))
          for (const db of page.DBInstances ?? []) {
            const entity = databaseEntity(db, context.connectorId)
            if (entity) found.push(entity)
          }
        entities.push(...found)
      })
    } else if (type === 'load_balancers') {
      await syncLoadBalancers(
        new ElasticLoadBalancingV2Client(configFor(region)),
        region,
        context,
        attempt,
        entities,
      )
    }
  }
  return { entities, errors, complete: errors.length === 0 }
}

type Attempt = (
  service: string,
  region: string,
  action: string,
  read: () => Promise<void>,
) => Promise<boolean>

/** Load balancers with their listeners, and `balances` to the instances their target groups hold. */
const syncLoadBalancers = async (
  client: ElasticLoadBalancingV2Client,
  region: string,
  context: AwsContext,
  attempt: Attempt,
  entities: ObservedEntity[],
) => {
  const service = 'elasticloadbalancing'
  const balancers: { arn: string; name: string }[] = []
  if (
    !(await attempt(service, region, 'elasticloadbalancing:DescribeLoadBalancers', async () => {
      for await (const page of paginateDescribeLoadBalancers({ client }, {}))
        for (const lb of page.LoadBalancers ?? [])
          if (lb.LoadBalancerArn)
            balancers.push({ arn: lb.LoadBalancerArn, name: lb.LoadBalancerName ?? lb.LoadBalancerArn })
    }))
  )
    return
  for (const lb of balancers) {
    const listeners: { protocol: 'tcp' | 'udp' | 'http' | 'https' | 'tls'; port: number }[] = []
    const targets = new Set<string>()
    const read =
      (await attempt(service, region, 'elasticloadbalancing:DescribeListeners', async () => {
        for await (const page of paginateDescribeListeners({ client }, { LoadBalancerArn: lb.arn }))
          for (const listener of page.Listeners ?? []) {
            const protocol = LISTENER_PROTOCOLS[listener.Protocol ?? '']
            if (protocol && listener.Port) listeners.push({ protocol, port: listener.Port })
          }
      })) &&
      (await attempt(service, region, 'elasticloadbalancing:DescribeTargetGroups', async () => {
        const groups: string[] = []
        for await (const page of paginateDescribeTargetGroups({ client }, { LoadBalancerArn: lb.arn }))
          for (const group of page.TargetGroups ?? [])
            if (group.TargetGroupArn && (group.TargetType ?? 'instance') === 'instance')
              groups.push(group.TargetGroupArn)
        for (const group of groups) {
          const ok = await attempt(service, region, 'elasticloadbalancing:DescribeTargetHealth', async () => {
            const health = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))
            for (const target of health.TargetHealthDescriptions ?? [])
              if (target.Target?.Id) targets.add(target.Target.Id)
          })
          if (!ok) return
        }
      }))
    if (!read) continue
    entities.push({
      key: `load_balancer/aws/${lb.arn}`,
      kind: 'load_balancer',
      name: text(lb.name),
      attributes: { listeners: listeners.slice(0, 100), region },
      relations: [
        ...[...targets].sort().map((id) => ({ type: 'balances' as const, to: serverKey(id) })),
        { type: 'located_in', to: datacenterKey(context.connectorId) },
      ],
    })
  }
}
