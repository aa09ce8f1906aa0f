export function encodePng (width: number, height: number, channels: 3 | 4, pixels: Buffer, options?: { level?: number }): Buffer
