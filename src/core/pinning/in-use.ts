/** A multiset of keys: what in-flight work is using right now. */
export class InUse {
  private readonly counts = new Map<string, number>()

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
}
