import { describe, expect, it } from 'vitest'
import type { ParamSpec } from '../schema/tasks/task'
import { CliError, EXIT } from './errors'
import { paramValues, runRequestOf, targetOf } from './run-request'

const specs: ParamSpec[] = [
  { name: 'unit', type: 'string', required: false },
  { name: 'count', type: 'number', required: false },
  { name: 'dry', type: 'boolean', required: false },
]

const failure = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    return error as CliError
  }
  throw new Error('expected a failure')
}

describe('paramValues', () => {
  it('types each value by the task parameter it fills', () => {
    expect(paramValues(['unit=nginx=1', 'count=3', 'dry=true'], specs)).toEqual({
      unit: 'nginx=1',
      count: 3,
      dry: true,
    })
  })

  it('refuses a parameter the task does not take, naming those it does', () => {
    const error = failure(() => paramValues(['colour=red'], specs))
    expect(error).toBeInstanceOf(CliError)
    expect(error.message).toBe('the task takes no parameter "colour"')
    expect(error.details).toEqual(['its parameters: unit, count, dry'])
    expect(error.exitCode).toBe(EXIT.usage)
  })

  it('refuses a number or boolean that is not one', () => {
    expect(failure(() => paramValues(['count=many'], specs)).message).toBe(
      'parameter count takes a number, not "many"',
    )
    expect(failure(() => paramValues(['dry=yes'], specs)).message).toBe(
      'parameter dry takes true or false, not "yes"',
    )
    expect(failure(() => paramValues(['unit'], specs)).message).toBe('parameter "unit" is not key=value')
  })
})

describe('runRequestOf', () => {
  it('builds the API body from the options', () => {
    expect(
      runRequestOf(
        {
          label: ['role=web', 'env=prod'],
          os: 'linux',
          param: ['unit=nginx'],
          batch: '25%',
          failure: 'budget:2',
          deadline: '600',
        },
        specs,
      ),
    ).toEqual({
      params: { unit: 'nginx' },
      target: { labels: { role: 'web', env: 'prod' }, os_family: 'linux' },
      strategy: { mode: 'rolling', batch: '25%' },
      failure: { policy: 'budget', budget: 2 },
      deadline_seconds: 600,
      from_step: 0,
    })
  })

  it('gives the parallel defaults when no strategy is named', () => {
    const body = runRequestOf({ agent: ['01M952YWS02HQEAYSRMJCCY1QW'] }, specs)
    expect(body.strategy).toEqual({ mode: 'parallel', concurrency: 1000 })
    expect(body.failure).toEqual({ policy: 'continue' })
  })

  it("checks the body with the API's schema and names each field at fault", () => {
    const error = failure(() => runRequestOf({ agent: ['not-an-id'], failure: 'sometimes' }, specs))
    expect(error.message).toBe('invalid run request')
    expect(error.exitCode).toBe(EXIT.usage)
    expect(error.details).toContain('target.agent_ids.0: must be a ULID')
    expect(error.details.some((line) => line.startsWith('failure'))).toBe(true)
  })

  it('refuses a run with no target', () => {
    expect(failure(() => runRequestOf({}, specs)).details).toContain(
      'target: name agents by id, labels or facts',
    )
  })

  it('leaves out what was not given in a target', () => {
    expect(targetOf({ hostname: 'web-1' })).toEqual({ hostname: 'web-1' })
  })
})
