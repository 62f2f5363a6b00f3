/**
 * The JSON text of rendered objects, kept as UTF-8 bytes, so a page of 100 charges (~230 KB) is
 * joined from bytes made once instead of rendered, stringified and encoded on every call: the twin
 * has one thread, and a real provider answers in its latency whatever its data size. (Joining
 * strings and encoding the page at each answer cost the bench dashboard's Stripe twin ~12 ms of its
 * one thread per dashboard.) A text is used only at the collection
 * version it was made at (any write drops them all), and at most `capacity` are kept, oldest made
 * first forgotten, so a walk over every charge does not hold the whole data set twice.
 */
export class RenderedTexts<T extends object> {
  private readonly texts = new Map<T, Buffer>();
  private version = -1;

  constructor(
    private readonly render: (item: T) => unknown,
    private readonly capacity = 20_000,
  ) {}

  /** `JSON.stringify(render(item))` in UTF-8, from the bytes made at `version` where they were made before. */
  bytesOf(item: T, version: number): Buffer {
    if (version !== this.version) {
      this.texts.clear();
      this.version = version;
    }
    let text = this.texts.get(item);
    if (text === undefined) {
      text = Buffer.from(JSON.stringify(this.render(item)), 'utf8');
      if (this.texts.size >= this.capacity) {
        const oldest = this.texts.keys().next();
        if (!oldest.done) this.texts.delete(oldest.value);
      }
      this.texts.set(item, text);
    }
    return text;
  }
}

const COMMA = Buffer.from(',');

/**
 * The UTF-8 bytes of `JSON.stringify(envelope)` with `envelope[key]` holding the items whose bytes
 * are given: the envelope is stringified with an empty array in that place (the key keeps its
 * position), which the items then fill. No key before it may hold an empty array named the same,
 * true of Stripe's list and search envelopes (`object`, then `data`).
 */
export function withItemBytes(
  envelope: Record<string, unknown>,
  key: string,
  items: readonly Buffer[],
): Buffer {
  if (!Object.hasOwn(envelope, key)) throw new Error(`withItemBytes: the envelope has no ${key}`);
  const text = JSON.stringify({ ...envelope, [key]: [] });
  const slot = `${JSON.stringify(key)}:[]`;
  const at = text.indexOf(slot);
  if (at < 0) throw new Error(`withItemBytes: no ${slot} in the envelope`);
  const parts: Buffer[] = [Buffer.from(text.slice(0, at + slot.length - 1), 'utf8')];
  items.forEach((item, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(item);
  });
  parts.push(Buffer.from(text.slice(at + slot.length - 1), 'utf8'));
  return Buffer.concat(parts);
}
