/**
 * The JSON text of rendered objects, so a page of 100 charges (~230 KB) is joined from texts made
 * once instead of rendered and stringified on every call: the twin has one thread, and a real
 * provider answers in its latency whatever its data size. A text is used only at the collection
 * version it was made at (any write drops them all), and at most `capacity` are kept, oldest made
 * first forgotten, so a walk over every charge does not hold the whole data set twice.
 */
export class RenderedTexts<T extends object> {
  private readonly texts = new Map<T, string>();
  private version = -1;

  constructor(
    private readonly render: (item: T) => unknown,
    private readonly capacity = 20_000,
  ) {}

  /** `JSON.stringify(render(item))`, from the texts made at `version` where it was made before. */
  textOf(item: T, version: number): string {
    if (version !== this.version) {
      this.texts.clear();
      this.version = version;
    }
    let text = this.texts.get(item);
    if (text === undefined) {
      text = JSON.stringify(this.render(item));
      if (this.texts.size >= this.capacity) {
        const oldest = this.texts.keys().next();
        if (!oldest.done) this.texts.delete(oldest.value);
      }
      this.texts.set(item, text);
    }
    return text;
  }
}

/**
 * The text `JSON.stringify(envelope)` would make with `envelope[key]` holding the items whose texts
 * are given: the envelope is stringified with an empty array in that place (the key keeps its
 * position), which the texts then fill. No key before it may hold an empty array named the same,
 * true of Stripe's list and search envelopes (`object`, then `data`).
 */
export function withItemTexts(
  envelope: Record<string, unknown>,
  key: string,
  texts: readonly string[],
): string {
  if (!Object.hasOwn(envelope, key)) throw new Error(`withItemTexts: the envelope has no ${key}`);
  const text = JSON.stringify({ ...envelope, [key]: [] });
  const slot = `${JSON.stringify(key)}:[]`;
  const at = text.indexOf(slot);
  if (at < 0) throw new Error(`withItemTexts: no ${slot} in the envelope`);
  return `${text.slice(0, at + slot.length - 1)}${texts.join(',')}${text.slice(at + slot.length - 1)}`;
}
