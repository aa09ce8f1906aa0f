// Draws the cafe's icons (a cup on the theme colour) into public/: the SVG favicon and
// PNGs for the favicon, the web app manifest and the extension. No dependencies: the
// shapes are rasterised here (4×4 samples a pixel) and written by scripts/png.mjs.
// Run `node scripts/icons.mjs` after changing a shape; the outputs are committed.
import { mkdirSync, writeFileSync } from 'node:fs'
import { encodePng } from './png.mjs'

export const THEME = '#2d5fc4'
const WHITE = '#ffffff'
const STEAM = '#cfdcf7'

/** The cup in a unit square (0..1), drawn in order. */
const SHAPES = [
  { kind: 'rect', x0: 0.35, y0: 0.2, x1: 0.39, y1: 0.33, r: 0.02, color: STEAM },
  { kind: 'rect', x0: 0.45, y0: 0.16, x1: 0.49, y1: 0.33, r: 0.02, color: STEAM },
  { kind: 'rect', x0: 0.55, y0: 0.2, x1: 0.59, y1: 0.33, r: 0.02, color: STEAM },
  { kind: 'ring', cx: 0.665, cy: 0.52, r0: 0.055, r1: 0.105, color: WHITE },
  { kind: 'rect', x0: 0.27, y0: 0.38, x1: 0.67, y1: 0.72, r: 0.11, color: WHITE },
  { kind: 'rect', x0: 0.27, y0: 0.38, x1: 0.67, y1: 0.52, r: 0, color: WHITE },
  { kind: 'rect', x0: 0.2, y0: 0.76, x1: 0.8, y1: 0.81, r: 0.025, color: WHITE }
]

function inside (shape, x, y) {
  if (shape.kind === 'ring') {
    const d = Math.hypot(x - shape.cx, y - shape.cy)
    return d >= shape.r0 && d <= shape.r1
  }
  const { x0, y0, x1, y1, r } = shape
  if (x < x0 || x > x1 || y < y0 || y > y1) return false
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return Math.hypot(x - cx, y - cy) <= r
}

const rgb = hex => [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16))

/**
 * RGBA pixels of the icon. `maskable`: the background fills the square and the cup shrinks
 * into the safe zone (a circle of 40% of the size) that every mask keeps.
 */
function draw (size, { maskable = false } = {}) {
  const background = maskable
    ? { kind: 'rect', x0: 0, y0: 0, x1: 1, y1: 1, r: 0, color: THEME }
    : { kind: 'rect', x0: 0, y0: 0, x1: 1, y1: 1, r: 0.22, color: THEME }
  const scale = maskable ? 0.8 : 1
  const pixels = Buffer.alloc(size * size * 4)
  const n = 4
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0; let g = 0; let b = 0; let a = 0
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size
          const y = (py + (sy + 0.5) / n) / size
          if (!inside(background, x, y)) continue
          let color = background.color
          const ux = 0.5 + (x - 0.5) / scale
          const uy = 0.5 + (y - 0.5) / scale
          for (const shape of SHAPES) if (inside(shape, ux, uy)) color = shape.color
          const [cr, cg, cb] = rgb(color)
          r += cr; g += cg; b += cb; a++
        }
      }
      const at = (py * size + px) * 4
      if (a > 0) {
        pixels[at] = Math.round(r / a); pixels[at + 1] = Math.round(g / a); pixels[at + 2] = Math.round(b / a)
        pixels[at + 3] = Math.round(255 * a / (n * n))
      }
    }
  }
  return pixels
}

function png (size, pixels) {
  return encodePng(size, size, 4, pixels, { level: 9 })
}

function svg () {
  const f = v => +(v * 64).toFixed(2)
  const parts = SHAPES.map(s => s.kind === 'ring'
    ? `<circle cx="${f(s.cx)}" cy="${f(s.cy)}" r="${f((s.r0 + s.r1) / 2)}" fill="none" stroke="${s.color}" stroke-width="${f(s.r1 - s.r0)}"/>`
    : `<rect x="${f(s.x0)}" y="${f(s.y0)}" width="${f(s.x1 - s.x0)}" height="${f(s.y1 - s.y0)}" rx="${f(s.r)}" fill="${s.color}"/>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="${f(0.22)}" fill="${THEME}"/>${parts.join('')}</svg>\n`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = new URL('../public/', import.meta.url)
  mkdirSync(new URL('icons/', out), { recursive: true })
  writeFileSync(new URL('favicon.svg', out), svg())
  writeFileSync(new URL('favicon.png', out), png(32, draw(32)))
  for (const size of [16, 48, 128, 192, 512]) writeFileSync(new URL(`icons/icon-${size}.png`, out), png(size, draw(size)))
  writeFileSync(new URL('icons/maskable-512.png', out), png(512, draw(512, { maskable: true })))
  console.log('icons written to public/')
}
