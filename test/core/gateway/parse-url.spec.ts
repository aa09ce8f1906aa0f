import { base16 } from 'multiformats/bases/base16'
import { base64 } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { parseGatewayUrl } from '../../../src/core/gateway/parse-url.ts'

const V1 = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
const V0 = 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn'

describe('parseGatewayUrl', () => {
  it('reads a CIDv1 with no path', () => {
    const p = parseGatewayUrl(`http://x/ipfs/${V1}`)
    expect(p.cid.equals(V1)).toBe(true)
    expect(p.segments).toEqual([])
    expect(p.trailingSlash).toBe(false)
    expect(p.ipfsPath).toBe(`/ipfs/${V1}`)
  })

  it('reads a CIDv0', () => {
    const p = parseGatewayUrl(`http://x/ipfs/${V0}/`)
    expect(p.cid.version).toBe(0)
    expect(p.cid.toString()).toBe(V0)
    expect(p.trailingSlash).toBe(true)
  })

  it('reads a CIDv1 in base16 and base64 multibase', () => {
    expect(parseGatewayUrl(`http://x/ipfs/${V1.toString(base16)}`).cid.equals(V1)).toBe(true)
    expect(parseGatewayUrl(`http://x/ipfs/${V1.toString(base64)}`).cid.equals(V1)).toBe(true)
  })

  it('decodes percent-encoded path segments and drops empty ones', () => {
    const p = parseGatewayUrl(`http://x/ipfs/${V1}/a%20b//c%3Fd.txt?format=raw`)
    expect(p.segments).toEqual(['a b', 'c?d.txt'])
    expect(p.query.get('format')).toBe('raw')
    expect(p.ipfsPath).toBe(`/ipfs/${V1}/a%20b//c%3Fd.txt`)
  })

  it('rejects a malformed CID as a bad request', () => {
    expect(() => parseGatewayUrl('http://x/ipfs/not-a-cid')).toThrow(expect.objectContaining({ name: 'InvalidCIDError', code: 'CID_INVALID', status: 400 }))
    expect(() => parseGatewayUrl('http://x/ipfs/')).toThrow(expect.objectContaining({ status: 400 }))
  })

  it('rejects malformed percent-encoding as a bad request', () => {
    expect(() => parseGatewayUrl(`http://x/ipfs/${V1}/%E0%A4%A`)).toThrow(expect.objectContaining({ status: 400 }))
  })

  it('refuses paths outside /ipfs/ as not found', () => {
    expect(() => parseGatewayUrl(`http://x/ipns/${V1}`)).toThrow(expect.objectContaining({ status: 404 }))
  })
})
