/**
 * A multiset of keys: what in-flight work is using right now, and the deletions under way,
 * so work that starts using a block while it is being deleted waits for the delete to end
 * (then finds the block gone and writes it again) instead of trusting a file about to vanish.
 */
export class InUse {
  private readonly counts = new Map<string, number>()
  private readonly deleting = new Map<string, Promise<unknown>>()

  add (key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  release (key: string): void {
    const count = (this.counts.get(key) ?? 0) - 1
    if (count <= 0) this.counts.delete(key)
    else this.counts.set(key, count)
  }

  has (key: string): boolean {
    return this.counts.has(key)
  }

  /**
   * Run `remove` unless the key is in use: checked and registered in one step, so an `add`
   * either came first (nothing deleted) or sees the deletion through `settled`.
   */
  async deleteUnlessUsed (key: string, remove: () => Promise<void>): Promise<boolean> {
    if (this.has(key)) return false
    const done = remove().finally(() => { if (this.deleting.get(key) === done) this.deleting.delete(key) })
    this.deleting.set(key, done)
    await done
    return true
  }

  /** Resolves once no deletion of the key is under way. */
  async settled (key: string): Promise<void> {
    await this.deleting.get(key)?.catch(() => {})
  }
}
