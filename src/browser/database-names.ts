/** The IndexedDB databases of a cafe, named per cafe so two cafes on one origin do not collide. */
export function databaseNames (name: string): { blocks: string, data: string } {
  return { blocks: `cafe/${name}/blocks`, data: `cafe/${name}/data` }
}
