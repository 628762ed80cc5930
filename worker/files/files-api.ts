import { RpcTarget } from 'cloudflare:workers'
import type { ListFilesQuery } from '../../schema/api/files'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { SiteFiles } from './site-files'

/** A site's files, as one caller reaches them. Uploads stream, so they are the object's own call. */
export class FilesApi extends RpcTarget {
  constructor(
    private readonly files: SiteFiles,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  list(query: ListFilesQuery) {
    return this.scope.answer(() => this.files.list(query))
  }

  get(fileId: string) {
    return this.scope.answer(() => this.files.get(fileId))
  }

  delete(fileId: string, write: WriteContext) {
    return this.scope.answerAsync(() => this.files.delete(fileId, actorOf(write), write.idempotency))
  }

  /** What an agent read for a fetch step of a run. */
  fetched(runId: string, agentId: string, index: number) {
    return this.scope.answer(() => this.files.fetched(runId, agentId, index))
  }
}
