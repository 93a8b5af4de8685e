/** A small PNG decoder for tests: 8-bit greyscale, RGB and RGBA, non-interlaced (what Chromium writes). */
import { inflateSync } from 'node:zlib';

export interface Decoded {
  width: number;
  height: number;
  /** Bytes per pixel. */
  channels: number;
  pixels: Buffer;
}

export function decodePng(png: Buffer): Decoded {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      const colour = data[9]!;
      if (depth !== 8 || data[12] !== 0) throw new Error(`unsupported PNG: depth ${depth}, interlace ${data[12]}`);
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colour] ?? 0;
      if (!channels) throw new Error(`unsupported PNG colour type ${colour}`);
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How many distinct colours the image has (alpha ignored). */
export function distinctColours(d: Decoded): number {
  const seen = new Set<number>();
  const c = d.channels;
  for (let i = 0; i < d.pixels.length; i += c) {
    seen.add(c >= 3 ? (d.pixels[i]! << 16) | (d.pixels[i + 1]! << 8) | d.pixels[i + 2]! : d.pixels[i]!);
  }
  return seen.size;
}

/** The share of pixels that have the given RGB colour, within `tolerance` per channel. */
export function shareOf(d: Decoded, rgb: [number, number, number], tolerance = 8): number {
  let n = 0;
  const c = d.channels;
  for (let i = 0; i < d.pixels.length; i += c) {
    if (Math.abs(d.pixels[i]! - rgb[0]) <= tolerance && Math.abs(d.pixels[i + 1]! - rgb[1]) <= tolerance && Math.abs(d.pixels[i + 2]! - rgb[2]) <= tolerance) n++;
  }
  return n / (d.width * d.height);
}

/** Share of pixels that differ from the most common colour, and how many distinct colours there are. */
export function inkOf(d: Decoded): { ink: number; colours: number } {
  const counts = new Map<number, number>();
  const c = d.channels;
  for (let i = 0; i < d.pixels.length; i += c) {
    const k = c >= 3 ? (d.pixels[i]! << 16) | (d.pixels[i + 1]! << 8) | d.pixels[i + 2]! : d.pixels[i]!;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const top = Math.max(...counts.values());
  const n = d.width * d.height;
  return { ink: (n - top) / n, colours: counts.size };
}
