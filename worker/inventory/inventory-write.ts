import type { InventoryWarning } from '../../schema/api/inventory'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import type { SiteKernel } from '../site/feature'
import type { InventoryCaller } from './entity-access'
import type { InventoryBook } from './inventory-book'
import { decideInventory, type InventoryCommand } from './inventory-decider'

/** Who makes a write: the caller's access, the label the log records, and the request's key. */
export interface InventoryWrite {
  caller: InventoryCaller
  actor: string
  idempotency?: IdempotencyClaim
}

/**
 * The inventory's one write path: a command is decided once the write is known not to be a
 * repeat, and the decision's warnings go in the answer.
 */
export class InventoryWriter {
  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: InventoryBook,
  ) {}

  decide<T>(
    write: InventoryWrite,
    subject: string,
    command: InventoryCommand,
    status: 200 | 201,
    answer: (warnings: InventoryWarning[]) => T,
  ): Reply<T> {
    let warnings: InventoryWarning[] = []
    return this.kernel.write(
      write.idempotency,
      { subject, actor: write.actor },
      () => {
        const decision = decideInventory(this.book, command)
        warnings = decision.warnings
        return decision.events
      },
      () => ({ status, body: answer(warnings) }),
    )
  }
}
