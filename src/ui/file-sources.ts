/**
 * Turns what a person drops or picks into uploads with paths: single files keep their
 * name, folders keep their structure (`folder/sub/file`).
 */
import type { FileUpload } from '../worker/api.ts'

async function readEntries (directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader()
  const all: FileSystemEntry[] = []
  // readEntries returns at most ~100 entries a call; an empty batch means done
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject))
    if (batch.length === 0) return all
    all.push(...batch)
  }
}

async function collectEntry (entry: FileSystemEntry, prefix: string, out: FileUpload[]): Promise<void> {
  const path = `${prefix}${entry.name}`
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))
    out.push({ path, file })
    return
  }
  for (const child of await readEntries(entry as FileSystemDirectoryEntry)) {
    await collectEntry(child, `${path}/`, out)
  }
}

/** Files and folders from a drop. */
export async function uploadsFromDrop (transfer: DataTransfer): Promise<FileUpload[]> {
  const entries = [...transfer.items]
    .map(item => item.webkitGetAsEntry())
    .filter((entry): entry is FileSystemEntry => entry != null)
  const out: FileUpload[] = []
  for (const entry of entries) await collectEntry(entry, '', out)
  return out
}

/** Files from an <input type=file>, with folder paths when it has `webkitdirectory`. */
export function uploadsFromInput (files: FileList): FileUpload[] {
  return [...files].map(file => ({ path: file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name, file }))
}
