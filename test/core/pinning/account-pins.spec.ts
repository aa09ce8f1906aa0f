import { describe, expect, it } from 'vitest'
import { AccountPins } from '../../../src/core/pinning/account-pins.ts'
import { PIN_STATES } from '../../../src/core/pinning/pin-status.ts'
import { newRequestId } from '../../../src/core/pinning/records.ts'
import type { PinRecord, PinState } from '../../../src/core/pinning/pin-status.ts'

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

/** a small deterministic generator, so a failure can be replayed */
function random (seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
}

describe('account pins', () => {
  it('the kept count per status matches counting the requests, through loads, status changes and deletes', async () => {
    const next = random(13)
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]
    const record = (requestid: string, status: PinState, created: number): PinRecord =>
      ({ requestid, account: 'acct', cid: CID, name: `pin ${requestid}`, origins: [], status, created, size: 10 })
    const loaded = Array.from({ length: 50 }, (_, i) => record(newRequestId(), pick(PIN_STATES), 1000 + i))
    const pins = await AccountPins.from((async function * () { yield * loaded })())
    const ids = loaded.map(r => r.requestid)
    for (let step = 0; step < 400; step++) {
      const roll = next()
      if (roll < 0.4) {
        const id = newRequestId()
        ids.push(id)
        pins.set(record(id, pick(PIN_STATES), 2000 + step))
      } else if (roll < 0.8 && ids.length > 0) {
        pins.set(record(pick(ids), pick(PIN_STATES), 3000 + step))
      } else if (ids.length > 0) {
        const id = ids.splice(Math.floor(next() * ids.length), 1)[0]
        pins.delete(id)
        pins.delete(id)
      }
      const wanted = PIN_STATES.filter(() => next() < 0.5)
      const walked = [...pins.newestFirst()].filter(pin => wanted.includes(pin.status)).length
      expect(pins.countWith(wanted)).toBe(walked)
      expect(pins.countWith([...wanted, ...wanted])).toBe(walked)
    }
    expect(pins.countWith(PIN_STATES)).toBe(pins.size)
  })
})
