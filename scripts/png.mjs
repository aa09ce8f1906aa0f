// A PNG encoder with no dependencies (node:zlib): 8-bit RGB or RGBA, no filtering. Used by
// scripts/icons.mjs for the committed icons and by the e2e tests for images they upload.
import { crc32, deflateSync } from 'node:zlib'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

function chunk (type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const out = Buffer.alloc(body.length + 8)
  out.writeUInt32BE(data.length, 0)
  body.copy(out, 4)
  out.writeUInt32BE(crc32(body), body.length + 4)
  return out
}

/** `pixels`: rows top to bottom, `channels` (3: RGB, 4: RGBA) bytes a pixel, nothing between rows */
export function encodePng (width, height, channels, pixels, { level } = {}) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = channels === 4 ? 6 : 2 // RGBA or RGB
  const stride = channels * width
  const rows = Buffer.alloc(height * (1 + stride)) // each row: filter byte 0, then its pixels
  for (let y = 0; y < height; y++) pixels.copy(rows, y * (1 + stride) + 1, y * stride, (y + 1) * stride)
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level })), chunk('IEND', Buffer.alloc(0))])
}
