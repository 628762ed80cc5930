import type { paths } from './openapi'

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never
type Success<R> = R extends { 200: infer A }
  ? A
  : R extends { 201: infer B }
    ? B
    : R extends { 202: infer C }
      ? C
      : never

/** The JSON body an operation answers on success, straight from the generated OpenAPI types. */
export type Answer<P extends keyof paths, M extends Method = 'get'> = paths[P][M] extends {
  responses: infer R
}
  ? JsonOf<Success<R>>
  : never

/** The JSON body an operation takes. */
export type RequestBody<P extends keyof paths, M extends Method = 'post'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } }
}
  ? B
  : never

/** One item of a paged list. */
export type Item<P extends keyof paths> = Answer<P> extends { items: (infer I)[] } ? I : never

export type Me = Answer<'/v1/auth/me'>
export type Site = Answer<'/v1/sites/{siteId}'>
export type Agent = Item<'/v1/sites/{siteId}/agents'>
export type EnrolmentToken = Item<'/v1/sites/{siteId}/enrolment-tokens'>
export type Role = NonNullable<Me['role']>
export type Task = Answer<'/v1/sites/{siteId}/tasks/{taskId}'>
export type TaskDefinition = RequestBody<'/v1/sites/{siteId}/tasks'>
export type StepDraft = TaskDefinition['steps'][number]
export type ParamDraft = NonNullable<TaskDefinition['params']>[number]
export type RunDetail = Answer<'/v1/sites/{siteId}/runs/{runId}'>
export type RunRequest = RequestBody<'/v1/sites/{siteId}/tasks/{taskId}/runs'>
export type Target = RunRequest['target']
export type Alert = Answer<'/v1/sites/{siteId}/alerts/{alertId}'>
export type AlertHistoryEntry = Answer<'/v1/sites/{siteId}/alerts/{alertId}/history'>['items'][number]
export type Integration = Answer<'/v1/sites/{siteId}/integrations/{integrationId}'>
export type IntegrationSettings = RequestBody<'/v1/sites/{siteId}/integrations'>['settings']
export type Silence = Item<'/v1/sites/{siteId}/silences'>
export type SilenceDraft = RequestBody<'/v1/sites/{siteId}/silences'>
export type Rule = Answer<'/v1/sites/{siteId}/rules/{ruleId}'>
export type RuleDraft = RequestBody<'/v1/sites/{siteId}/rules'>
export type RuleTrigger = Item<'/v1/sites/{siteId}/rules/{ruleId}/triggers'>
export type RuleVersion = Item<'/v1/sites/{siteId}/rules/{ruleId}/versions'>
export type BacktestResult = Answer<'/v1/sites/{siteId}/rules/backtest', 'post'>
export type AlertRecord = Item<'/v1/alerts'>
