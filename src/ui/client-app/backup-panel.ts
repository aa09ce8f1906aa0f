/**
 * The demo client's backup panel: pack files into a CAR and upload it, save sealed
 * thread snapshots, list pins, and recover every snapshot as a new device would.
 */
import { packCar, type CafeBackup } from '../../client/index.ts'
import { byTestId, h } from '../dom.ts'

export interface Output {
  show(value: unknown): void
  fail(err: unknown): void
}

async function upload (backup: CafeBackup, files: FileList, output: Output): Promise<void> {
  const list = [...files]
  const folder = list[0]?.webkitRelativePath.split('/')[0]
  const packed = await packCar(list.map(file => ({
    path: file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name,
    content: file.stream() as unknown as AsyncIterable<Uint8Array>
  })))
  const result = await backup.uploadCar(packed.car, { name: folder !== '' && folder != null ? folder : list[0]?.name })
  byTestId<HTMLInputElement>('snapshot-head').value = packed.root.toString()
  byTestId('backup-output').textContent = `pinned ${packed.root} (${result.results[0]?.status})`
  byTestId('backup-output').dataset.root = packed.root.toString()
  output.show(result)
}

export function mountBackup (backup: () => CafeBackup, output: Output): void {
  for (const id of ['backup-folder', 'backup-files']) {
    const input = byTestId<HTMLInputElement>(id)
    input.addEventListener('change', () => {
      if (input.files == null || input.files.length === 0) return
      void upload(backup(), input.files, output).catch(output.fail).finally(() => { input.value = '' })
    })
  }

  const form = byTestId<HTMLFormElement>('snapshot-form')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(form)
    const head = String(data.get('head') ?? '').trim()
    void (async () => {
      const metadata = JSON.parse(String(data.get('metadata') ?? '{}'))
      return backup().saveSnapshot(String(data.get('thread')), { metadata, ...(head !== '' ? { head } : {}) })
    })().then(output.show, output.fail)
  })

  byTestId('list-pins').addEventListener('click', () => { void backup().pins().then(output.show, output.fail) })
  byTestId('recover').addEventListener('click', () => {
    void backup().recover().then(threads => {
      byTestId('recovered').replaceChildren(...threads.map(thread => h('li', { 'data-thread': thread.threadId },
        h('strong', {}, thread.threadId), ' ',
        h('code', {}, JSON.stringify(thread.metadata)), ' ',
        thread.head != null && h('a', { href: `/ipfs/${thread.head}/`, 'data-head': thread.head }, thread.head))))
      output.show(`recovered ${threads.length} thread(s)`)
    }, output.fail)
  })
}
