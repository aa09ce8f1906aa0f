/**
 * The demo client's backup panel: pack files into a CAR and upload it (with progress),
 * save sealed thread snapshots, list pins, and recover every snapshot as a new device would.
 */
import { packCar, type CafeBackup } from '../../client/index.ts'
import { answerErrorText, byTestId, copyableId, formatTime, h, statusLine } from '../dom.ts'
import { formatBytes } from '../format.ts'
import { progressView, type ProgressView } from '../progress.ts'
import { replicaLine } from '../replicas.ts'
import type { StatusLine } from '../dom.ts'
import type { PinStatus } from '../../core/pinning/index.ts'

export interface PanelInit {
  /** every failure also goes here (the page notes a 401: the account was removed) */
  onError(err: unknown): void
}

async function upload (backup: CafeBackup, files: FileList, status: StatusLine, bar: ProgressView): Promise<void> {
  const list = [...files]
  const folder = list[0]?.webkitRelativePath.split('/')[0]
  const total = list.reduce((sum, file) => sum + file.size, 0)
  status.busy(`Packing ${list.length} file${list.length === 1 ? '' : 's'} (${formatBytes(total)})…`)
  bar.start('Packed', total)
  const packed = await packCar(list.map(file => ({
    path: file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name,
    content: file.stream() as unknown as AsyncIterable<Uint8Array>,
    size: file.size
  })), { onProgress: evt => { bar.update(evt) } })
  status.busy(`Uploading ${formatBytes(packed.car.byteLength)}; the cafe verifies every block…`)
  bar.start('Uploaded', packed.car.byteLength)
  const result = await backup.uploadCar(packed.car, { name: folder !== '' && folder != null ? folder : list[0]?.name }, { onProgress: evt => { bar.update(evt) } })
  byTestId<HTMLInputElement>('snapshot-head').value = packed.root.toString()
  status.ok(`pinned ${packed.root} (${result.results[0]?.status})`)
  status.element.dataset.root = packed.root.toString()
}

function pinItem (pin: PinStatus): HTMLLIElement {
  return h('li', { 'data-status': pin.status, 'data-cid': pin.pin.cid },
    h('strong', {}, pin.pin.name ?? '(no name)'), ' ', h('span', { class: 'muted' }, pin.status),
    pin.info?.dag_size != null && h('span', { class: 'muted' }, `, ${formatBytes(Number(pin.info.dag_size))}`),
    h('span', { class: 'muted' }, `, ${formatTime(Date.parse(pin.created))}`), h('br'),
    copyableId(pin.pin.cid), ' ', h('a', { href: `/ipfs/${pin.pin.cid}/`, target: '_blank', rel: 'noopener' }, 'open'), replicaLine(pin))
}

export function mountBackup (backup: () => CafeBackup, init: PanelInit): void {
  const status = statusLine(byTestId('backup-output'), answerErrorText)
  const bar = progressView({ 'data-testid': 'backup-progress-bar' })
  status.element.before(bar.element)
  const failed = (err: unknown): void => { bar.hide(); status.fail(err); init.onError(err) }
  const pins = byTestId('pin-list')
  const recovered = byTestId('recovered')

  for (const id of ['backup-folder', 'backup-files']) {
    const input = byTestId<HTMLInputElement>(id)
    input.addEventListener('change', () => {
      if (input.files == null || input.files.length === 0) return
      delete status.element.dataset.root
      void upload(backup(), input.files, status, bar).catch(failed).finally(() => { input.value = '' })
    })
  }

  const form = byTestId<HTMLFormElement>('snapshot-form')
  const snapshotStatus = statusLine(byTestId('snapshot-status'), answerErrorText)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(form)
    const head = String(data.get('head') ?? '').trim()
    const thread = String(data.get('thread'))
    snapshotStatus.busy('sealing and saving…')
    void (async () => {
      let metadata: unknown
      try {
        metadata = JSON.parse(String(data.get('metadata') ?? '{}'))
      } catch (err) {
        throw new SyntaxError(`Metadata is not JSON: ${(err as Error).message}`)
      }
      return backup().saveSnapshot(thread, { metadata, ...(head !== '' ? { head } : {}) })
    })().then(info => {
      snapshotStatus.ok(`saved thread ${info.threadId}: ${formatBytes(info.size)} sealed${info.head != null ? `, HEAD ${info.head}` : ''}`)
      snapshotStatus.element.dataset.thread = info.threadId
    }, err => { snapshotStatus.fail(err); init.onError(err) })
  })

  byTestId('list-pins').addEventListener('click', () => {
    status.busy('listing pins…')
    bar.hide()
    void backup().pins().then(({ count, results }) => {
      pins.replaceChildren(...results.map(pinItem))
      status.ok(count === 0 ? 'No pins yet.' : `${count} pin${count === 1 ? '' : 's'}${results.length < count ? ` (the first ${results.length} shown)` : ''}`)
    }, failed)
  })
  byTestId('recover').addEventListener('click', () => {
    status.busy('recovering snapshots…')
    bar.start('Recovered')
    void backup().recover({ onProgress: evt => { bar.update(evt) } }).then(threads => {
      recovered.replaceChildren(...threads.map(thread => h('li', { 'data-thread': thread.threadId },
        h('strong', {}, thread.threadId), ' ', h('span', { class: 'muted' }, `updated ${formatTime(thread.updatedAt)}`), h('br'),
        h('code', {}, JSON.stringify(thread.metadata)), ' ',
        thread.head != null && h('a', { href: `/ipfs/${thread.head}/`, 'data-head': thread.head, class: 'id', title: thread.head }, thread.head))))
      status.ok(`recovered ${threads.length} thread(s)`)
    }, failed)
  })
}
