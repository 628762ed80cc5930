import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AwsSettings } from '../../schema/inventory/connectors'
import { type AwsStandIn, type AwsWorld, startAwsStandIn } from '../../test/stand-ins/aws'
import { syncAws } from './aws-adapter'

const CONNECTOR = '01J00000000000000000CONNEC'
const AGENT = '01J000000000000000000AGENT'
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
const secrets = {
  AWS_ACCESS_KEY_ID: KEY_ID,
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}
const context = { connectorId: CONNECTOR, agentId: AGENT, secrets }

const world = (): AwsWorld => ({
  accessKeyId: KEY_ID,
  pageSize: 2,
  refuse: {},
  regions: {
    'eu-west-1': {
      zones: ['eu-west-1b', 'eu-west-1a'],
      instances: [
        {
          id: 'i-0aaa',
          name: 'web-1',
          privateIp: '10.0.0.11',
          publicIp: '54.0.0.11',
          zone: 'eu-west-1a',
          tags: { Env: 'Prod' },
        },
        { id: 'i-0bbb', name: 'web-2', privateIp: '10.0.0.12', zone: 'eu-west-1b', state: 'stopped' },
        { id: 'i-0ccc', privateIp: '10.0.0.13', zone: 'eu-west-1a', platform: 'windows', type: 'm5.large' },
        { id: 'i-0ddd', name: 'gone', privateIp: '10.0.0.14', zone: 'eu-west-1a', state: 'terminated' },
      ],
      balancers: [
        {
          arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188',
          name: 'shop',
          listeners: [
            { protocol: 'HTTPS', port: 443 },
            { protocol: 'HTTP', port: 80 },
          ],
          targets: ['i-0bbb', 'i-0aaa'],
        },
      ],
      databases: [
        {
          id: 'orders',
          engine: 'postgres',
          version: '16.3',
          instanceClass: 'db.t3.micro',
          address: 'orders.abc.eu-west-1.rds.amazonaws.com',
          port: 5432,
        },
        {
          id: 'legacy',
          engine: 'mariadb',
          version: '10.11',
          instanceClass: 'db.m5.large',
          address: 'legacy.abc.eu-west-1.rds.amazonaws.com',
          port: 3306,
        },
        {
          id: 'reports',
          engine: 'sqlserver-se',
          version: '15.00',
          instanceClass: 'db.m5.xlarge',
          address: 'reports.abc.eu-west-1.rds.amazonaws.com',
          port: 1433,
        },
      ],
    },
    'us-east-1': {
      zones: ['us-east-1a'],
      instances: [{ id: 'i-0eee', name: 'api-1', privateIp: '10.1.0.5', zone: 'us-east-1a' }],
      balancers: [],
      databases: [],
    },
  },
})

let standIn: AwsStandIn
let settings: AwsSettings

beforeAll(async () => {
  standIn = await startAwsStandIn(world())
  settings = {
    regions: ['eu-west-1', 'us-east-1'],
    endpoint: standIn.url,
    access_key_id_secret: 'AWS_ACCESS_KEY_ID',
    secret_access_key_secret: 'AWS_SECRET_ACCESS_KEY',
  }
})
afterAll(() => standIn.close())

describe('the AWS connector against a stand-in speaking the Query protocol', () => {
  it('reads every page of every region’s instances as servers, signed with the key id from the agent’s secrets', async () => {
    standIn.calls.length = 0
    const result = await syncAws(settings, 'servers', context)
    expect(result.errors).toEqual([])
    expect(result.complete).toBe(true)
    // Four instances in eu-west-1 at two a page: two calls; one in us-east-1. The terminated one is gone.
    expect(standIn.calls).toEqual([
      'ec2:DescribeInstances eu-west-1',
      'ec2:DescribeInstances eu-west-1',
      'ec2:DescribeInstances us-east-1',
    ])
    expect(result.entities.map((e) => e.key)).toEqual([
      'server/aws/i-0aaa',
      'server/aws/i-0bbb',
      'server/aws/i-0ccc',
      'server/aws/i-0eee',
    ])
    expect(result.entities[0]).toEqual({
      key: 'server/aws/i-0aaa',
      kind: 'server',
      name: 'web-1',
      instance_id: 'i-0aaa',
      attributes: {
        hostname: 'ip-10-0-0-11.ec2.internal',
        private_ipv4: ['10.0.0.11'],
        public_ipv4: ['54.0.0.11'],
        os: { base: 'linux', distro: 'Linux/UNIX' },
        region: 'eu-west-1',
        zone: 'eu-west-1a',
        instance_id: 'i-0aaa',
        instance_type: 't3.micro',
        instance_state: 'running',
      },
      tags: ['env-prod'],
      relations: [{ type: 'located_in', to: `datacenter/aws/${CONNECTOR}` }],
    })
    expect(result.entities[1]?.attributes.instance_state).toBe('stopped')
    // No Name tag: named by its private DNS name.
    expect(result.entities[2]).toMatchObject({
      name: 'ip-10-0-0-13.ec2.internal',
      attributes: { os: { base: 'windows', distro: 'Windows' }, instance_type: 'm5.large' },
    })
  })

  it('reads load balancers with their listeners and the instances their target groups balance', async () => {
    const result = await syncAws(settings, 'load_balancers', context)
    expect(result).toMatchObject({ errors: [], complete: true })
    expect(result.entities).toEqual([
      {
        key: 'load_balancer/aws/arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188',
        kind: 'load_balancer',
        name: 'shop',
        attributes: {
          listeners: [
            { protocol: 'https', port: 443 },
            { protocol: 'http', port: 80 },
          ],
          region: 'eu-west-1',
        },
        relations: [
          { type: 'balances', to: 'server/aws/i-0aaa' },
          { type: 'balances', to: 'server/aws/i-0bbb' },
          { type: 'located_in', to: `datacenter/aws/${CONNECTOR}` },
        ],
      },
    ])
  })

  it('reads RDS instances as databases, page by page, engines as the inventory names them', async () => {
    standIn.calls.length = 0
    const result = await syncAws(settings, 'databases', context)
    expect(result).toMatchObject({ errors: [], complete: true })
    expect(standIn.calls.filter((c) => c.startsWith('rds:DescribeDBInstances eu-west-1'))).toHaveLength(2)
    expect(result.entities.map((e) => [e.name, e.attributes.engine])).toEqual([
      ['orders', 'postgresql'],
      ['legacy', 'mysql'],
      ['reports', 'mssql'],
    ])
    expect(result.entities[0]).toMatchObject({
      key: 'database/aws/arn:aws:rds:eu-west-1:123456789012:db:orders',
      attributes: {
        version: '16.3',
        instance_class: 'db.t3.micro',
        endpoint: 'orders.abc.eu-west-1.rds.amazonaws.com:5432',
        cloud_instance: 'orders',
      },
    })
  })

  it('reads the regions and their zones as one datacenter', async () => {
    const result = await syncAws(settings, 'datacenters', context)
    expect(result).toMatchObject({ errors: [], complete: true })
    expect(result.entities).toEqual([
      {
        key: `datacenter/aws/${CONNECTOR}`,
        kind: 'datacenter',
        name: 'AWS eu-west-1, us-east-1',
        attributes: {
          provider: 'aws',
          regions: [
            { name: 'eu-west-1', zones: ['eu-west-1a', 'eu-west-1b'] },
            { name: 'us-east-1', zones: ['us-east-1a'] },
          ],
        },
      },
    ])
  })

  it('names the permission to grant when AWS refuses an action, and reads the other regions', async () => {
    standIn.world.refuse = { DescribeInstances: 'UnauthorizedOperation' }
    try {
      const result = await syncAws(settings, 'servers', context)
      expect(result.complete).toBe(false)
      expect(result.entities).toEqual([])
      expect(result.errors).toHaveLength(2)
      expect(result.errors[0]).toMatchObject({
        code: 'unauthorized',
        hint: 'Unauthorized: grant read-only permission ec2:DescribeInstances',
        where: 'eu-west-1',
      })
      standIn.world.refuse = { DescribeLoadBalancers: 'AccessDenied' }
      const balancers = await syncAws(settings, 'load_balancers', context)
      expect(balancers.errors[0]?.hint).toBe(
        'Unauthorized: grant read-only permission elasticloadbalancing:DescribeLoadBalancers',
      )
    } finally {
      standIn.world.refuse = {}
    }
  })

  it('says the credentials are wrong when AWS does not know the key', async () => {
    const result = await syncAws(settings, 'servers', {
      ...context,
      secrets: { ...secrets, AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1' },
    })
    expect(result.complete).toBe(false)
    expect(result.errors[0]).toMatchObject({ code: 'wrong_credentials' })
    expect(result.errors[0]?.message).toContain('AuthFailure')
  })

  it('names a secret the agent does not hold, and how to set it', async () => {
    await expect(
      syncAws({ ...settings, access_key_id_secret: 'PROD_KEY_ID' }, 'servers', context),
    ).rejects.toMatchObject({
      error: {
        code: 'missing_secret',
        message: `secret PROD_KEY_ID is not set on agent ${AGENT} (sitewire-agent secrets set PROD_KEY_ID)`,
      },
    })
  })

  it('says an endpoint is unreachable', async () => {
    const result = await syncAws(
      { ...settings, regions: ['eu-west-1'], endpoint: 'http://127.0.0.1:9' },
      'servers',
      context,
    )
    expect(result.complete).toBe(false)
    expect(result.errors[0]).toMatchObject({ code: 'unreachable', where: 'eu-west-1' })
    expect(result.errors[0]?.message).toContain('http://127.0.0.1:9')
  })
})
