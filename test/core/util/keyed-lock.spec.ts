import { describe, expect, it } from 'vitest'
import { KeyedLock } from '../../../src/core/util/keyed-lock.ts'

const later = async <T>(value: T, ms = 20): Promise<T> => new Promise(resolve => setTimeout(() => { resolve(value) }, ms))

describe('KeyedLock', () => {
  it('runs work on one key one after another, and work on other keys alongside', async () => {
    const lock = new KeyedLock()
    const log: string[] = []
    const task = (name: string) => async () => { log.push(`${name} in`); await later(null); log.push(`${name} out`) }
    await Promise.all([lock.run('a', task('a1')), lock.run('a', task('a2')), lock.run('b', task('b1'))])
    expect(log.indexOf('a1 out')).toBeLessThan(log.indexOf('a2 in'))
    expect(log.indexOf('b1 in')).toBeLessThan(log.indexOf('a1 out'))
  })

  it('a failed holder does not block the next one', async () => {
    const lock = new KeyedLock()
    await expect(lock.run('a', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await lock.run('a', async () => 'next')).toBe('next')
  })

  it('an abort while waiting gives up the turn at once, and later holders still wait for the current one', async () => {
    const lock = new KeyedLock()
    const log: string[] = []
    const first = lock.run('a', async () => { await later(null, 50); log.push('first done') })
    const controller = new AbortController()
    const waiting = lock.run('a', async () => { log.push('aborted one ran') }, { signal: controller.signal })
    const third = lock.run('a', async () => { log.push('third ran') })
    controller.abort(new Error('gave up'))
    await expect(waiting).rejects.toThrow('gave up')
    expect(log).toEqual([])
    await Promise.all([first, third])
    expect(log).toEqual(['first done', 'third ran'])
  })
})
